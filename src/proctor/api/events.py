"""Events: log one (browser or manual), list them, fetch an event's evidence (a thumbnail, or
an audio event's clip)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, HTTPException, Query, Response, status
from fastapi import Path as PathParam

from proctor.api.deps import AnyToken, Ctx, Db, Interviewer, check_access
from proctor.api.errors import AUTH, errors
from proctor.api.limits import LOG_BODY_BYTES, BoundedRoute
from proctor.api.responses import EventOut
from proctor.db import repo
from proctor.shapes.events import client_time, event_source
from proctor.shapes.schemas import BROWSER_TYPES, EventType, LogIn, Timestamp
from proctor.shapes.views import event_json, evidence_type

router = APIRouter(tags=["events"], route_class=BoundedRoute)
MAX_DB_INT = 2**31 - 1  # event ids are 32-bit integers in PostgreSQL


@router.post(
    "/log",
    status_code=status.HTTP_201_CREATED,
    response_model=EventOut,
    responses=errors(400, *AUTH, 404, 409, 429),
    max_body_size=LOG_BODY_BYTES,
)
async def log_event(body: LogIn, ctx: Ctx, principal: AnyToken) -> dict[str, Any]:
    """Store an event from the candidate's browser or the interviewer; the same ``client_id``
    again returns the stored one."""
    check_access(principal, body.session_id)
    if not ctx.log_limiter.take((body.session_id, principal.role)):
        raise HTTPException(429, "too many events: slow down and try again")
    if body.role is not None and body.role != principal.role:
        raise HTTPException(403, f"role {body.role!r} does not match the token")
    source = event_source(principal.role, body.type)
    if source is None:
        raise HTTPException(403, f"a candidate may log only {', '.join(BROWSER_TYPES)}")
    when = client_time(body.ts)

    def load() -> tuple[str, str, datetime | None]:
        with ctx.sessions() as db:
            row = repo.get_session(db, body.session_id)
            if row is None:
                raise HTTPException(404, "unknown session")
            return row.name, row.status, row.ended_at

    session_name, state, ended_at = await anyio.to_thread.run_sync(load)
    if state == "ended" and (when is None or ended_at is None or when > ended_at):
        raise HTTPException(409, "the session has ended")
    default = session_name if principal.role == "candidate" else "Interviewer"
    event, _ = await ctx.recorder.record(
        body.session_id,
        role=principal.role,
        name=body.name or default,
        type=body.type,
        detail=body.detail,
        source=source,
        timestamp=when,
        client_id=body.client_id,
    )
    return event


@router.get("/sessions/{session_id}/events", response_model=list[EventOut], responses=errors(*AUTH))
def list_events(
    session_id: str,
    db: Db,
    _: Interviewer,
    type: Annotated[EventType | None, Query()] = None,
    since: Annotated[Timestamp | None, Query(description="An RFC 3339 date-time")] = None,
) -> list[dict[str, Any]]:
    """Events oldest first, optionally of one type and from a time on."""
    return [event_json(r) for r in repo.list_events(db, session_id, type=type, since=since)]


@router.get(
    "/sessions/{session_id}/events/{event_id}/evidence",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "audio/webm": {}}}, **errors(*AUTH, 404)},
)
def evidence(
    session_id: str,
    event_id: Annotated[int, PathParam(ge=1, le=MAX_DB_INT)],
    ctx: Ctx,
    db: Db,
    _: Interviewer,
) -> Response:
    row = repo.get_event(db, session_id, event_id)
    if row is None:
        raise HTTPException(404, "unknown event")
    data = ctx.storage.read(row.evidence_path)
    if data is None:
        raise HTTPException(404, "this event has no evidence")
    # A picture, or the clip of an audio event (only the session's interviewer gets either)
    return Response(
        data,
        media_type=evidence_type(row.evidence_path),
        headers={"Cache-Control": "private, max-age=3600"},
    )
