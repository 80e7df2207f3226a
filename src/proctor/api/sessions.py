"""Sessions: start or resume, read, end, re-calibrate."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response, status

from proctor.api.deps import Ctx, Db, Interviewer, Member, OptionalToken, check_access
from proctor.api.responses import CalibrateOut, SessionOut, StartSessionOut
from proctor.api.schemas import StartSessionIn
from proctor.db import repo

router = APIRouter(tags=["sessions"])


def _links(
    request: Request, public_url: str | None, session_id: str, i_tok: str, c_tok: str
) -> dict[str, str]:
    base = (public_url or str(request.base_url)).rstrip("/")
    return {
        "interviewer_url": f"{base}/i/{session_id}#token={i_tok}",
        "candidate_url": f"{base}/c/{session_id}#token={c_tok}",
    }


@router.post("/start-session", status_code=status.HTTP_201_CREATED, response_model=StartSessionOut)
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
    row, interviewer, candidate = repo.create_session(db, body.name, settings)
    return {
        "session_id": row.session_id,
        "name": row.name,
        "interviewer_token": interviewer,
        "candidate_token": candidate,
        **_links(request, ctx.settings.public_url, row.session_id, interviewer, candidate),
    }


@router.get("/sessions/{session_id}", response_model=SessionOut)
def get_session(session_id: str, ctx: Ctx, db: Db, _: Interviewer) -> dict[str, Any]:
    resource = ctx.session_resource(db, session_id)
    if resource is None:
        raise HTTPException(404, "unknown session")
    return resource


@router.post("/sessions/{session_id}/end", response_model=SessionOut)
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
)
async def calibrate(session_id: str, ctx: Ctx, _: Member) -> dict[str, Any]:
    """The next seconds of frames set the candidate's neutral head pose again."""
    ctx.live.calibrate(session_id)
    return {"session_id": session_id, "calibrating": True}
