"""Sessions: start or resume, read, end, re-calibrate, delete."""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter, HTTPException, Request, Response, status

from proctor import retention
from proctor.alerts.config import session_url_problem
from proctor.api.deps import Ctx, Db, Interviewer, Member, OptionalToken, check_access
from proctor.api.errors import AUTH, errors
from proctor.api.limits import START_BODY_BYTES, BoundedRoute
from proctor.api.responses import CalibrateOut, SessionOut, StartSessionOut
from proctor.db import repo
from proctor.shapes.schemas import StartSessionIn

router = APIRouter(tags=["sessions"], route_class=BoundedRoute)


def _links(
    request: Request, public_url: str | None, session_id: str, i_tok: str, c_tok: str
) -> dict[str, str]:
    base = (public_url or str(request.base_url)).rstrip("/")
    return {
        "interviewer_url": f"{base}/i/{session_id}#token={i_tok}",
        "candidate_url": f"{base}/c/{session_id}#token={c_tok}",
    }


@router.post(
    "/start-session",
    status_code=status.HTTP_201_CREATED,
    response_model=StartSessionOut,
    responses={
        200: {"model": StartSessionOut, "description": "Resumed"},
        **errors(400, *AUTH, 404, 409),
    },
    # The token is optional: anyone may start a session; resuming one needs its token
    openapi_extra={"security": [{}, {"HTTPBearer": []}]},
    max_body_size=START_BODY_BYTES,
)
def start_session(
    body: StartSessionIn,
    request: Request,
    response: Response,
    ctx: Ctx,
    db: Db,
    principal: OptionalToken,
) -> dict[str, Any]:
    """Start a session (201), or resume one with its interviewer's token (200)."""
    if body.session_id is not None:
        if principal is None:
            raise HTTPException(
                401,
                "resuming a session needs its interviewer's token",
                headers={"WWW-Authenticate": "Bearer"},
            )
        check_access(principal, body.session_id, "interviewer")
        row = repo.get_session(db, body.session_id)
        if row is None:
            raise HTTPException(404, "unknown session")
        if row.status == "ended":
            raise HTTPException(409, "the session has ended and cannot be resumed")
        auth = request.headers["authorization"].split(None, 1)[1].strip()
        candidate = repo.reissue_candidate_token(db, row)
        response.status_code = status.HTTP_200_OK
        return {
            "session_id": row.session_id,
            "name": row.name,
            "interviewer_token": auth,
            "candidate_token": candidate,
            **_links(request, ctx.settings.public_url, row.session_id, auth, candidate),
        }
    if body.name is None:
        raise HTTPException(422, "name is required to start a session")
    settings = body.settings.model_dump(exclude_none=True) if body.settings else {}
    if body.mode is not None:
        if settings.get("mode", body.mode) != body.mode:
            raise HTTPException(422, "mode and settings.mode differ")
        settings["mode"] = body.mode
    for i, url in enumerate(settings.get("alert_urls", [])):
        problem = session_url_problem(url, ctx.settings.alert_schemes)
        if problem:
            raise HTTPException(422, f"settings.alert_urls.{i}: {problem}")
    row, interviewer, candidate = repo.create_session(db, body.name, settings)
    return {
        "session_id": row.session_id,
        "name": row.name,
        "interviewer_token": interviewer,
        "candidate_token": candidate,
        **_links(request, ctx.settings.public_url, row.session_id, interviewer, candidate),
    }


@router.get("/sessions/{session_id}", response_model=SessionOut, responses=errors(*AUTH, 404))
async def get_session(session_id: str, ctx: Ctx, _: Interviewer) -> dict[str, Any]:
    participants = await ctx.hub.participants(session_id, with_sid=False)  # on every node

    def load() -> dict[str, Any] | None:
        with ctx.sessions() as db:
            return ctx.session_resource(db, session_id, participants)

    resource = await anyio.to_thread.run_sync(load)
    if resource is None:
        raise HTTPException(404, "unknown session")
    return resource


@router.post("/sessions/{session_id}/end", response_model=SessionOut, responses=errors(*AUTH, 404))
async def end_session(session_id: str, ctx: Ctx, _: Interviewer) -> dict[str, Any]:
    """End the session: open events end, the room is told. Ending twice is harmless."""
    resource = await ctx.end_session(session_id)
    if resource is None:
        raise HTTPException(404, "unknown session")
    return resource


@router.post(
    "/sessions/{session_id}/calibrate",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=CalibrateOut,
    responses=errors(*AUTH),
)
async def calibrate(session_id: str, ctx: Ctx, _: Member) -> dict[str, Any]:
    """The next seconds of frames set the candidate's neutral head pose again."""
    await ctx.calibrate(session_id)
    return {"session_id": session_id, "calibrating": True}


@router.delete(
    "/sessions/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=errors(*AUTH, 404, 409),
)
async def delete_session(session_id: str, ctx: Ctx, _: Interviewer) -> Response:
    """Delete the session and all of its data: events, chat, evidence images, the recording
    and upload chunks. Its tokens stop working. Only an ended session can be deleted, so
    nothing is being recorded into it meanwhile."""

    def delete() -> None:
        with ctx.sessions() as db:
            row = repo.get_session(db, session_id)
            if row is None:
                raise HTTPException(404, "unknown session")
            if row.status != "ended":
                raise HTTPException(409, "end the session first (POST /sessions/{id}/end)")
        retention.delete_session(ctx.sessions, ctx.storage, session_id)

    await anyio.to_thread.run_sync(delete)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
