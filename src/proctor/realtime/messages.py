"""Socket.IO handlers for messages that are stored: ``event`` and ``chat``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import anyio

from proctor.api.schemas import BROWSER_TYPES
from proctor.api.views import chat_json
from proctor.db import repo
from proctor.db.models import utcnow
from proctor.realtime.payloads import ChatIn, EventIn, error, parse

if TYPE_CHECKING:
    from proctor.realtime.context import AppContext
    from proctor.realtime.server import Guard, On

# A client-given time is kept only when it is plausible (a resent event keeps its time).
MAX_CLIENT_AGE = timedelta(hours=12)
MAX_CLIENT_AHEAD = timedelta(seconds=5)


def client_time(ts_ms: float | None) -> datetime | None:
    if ts_ms is None:
        return None
    try:
        when = datetime.fromtimestamp(ts_ms / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    now = utcnow()
    return when if now - MAX_CLIENT_AGE <= when <= now + MAX_CLIENT_AHEAD else None


def event_source(role: str, type_: str) -> str | None:
    """``browser`` or ``manual``, or None when this role may not send this type."""
    if role == "candidate":
        return "browser" if type_ in BROWSER_TYPES else None
    return "manual"


def register(on: On, ctx: AppContext, guard: Guard) -> None:
    @on("event")
    async def event(sid: str, data: Any = None) -> dict[str, Any]:
        payload = parse(EventIn, data)
        if isinstance(payload, dict):
            return payload
        conn = await guard.check(sid, payload.session_id)
        if isinstance(conn, dict):
            return conn
        source = event_source(conn.principal.role, payload.type)
        if source is None:
            return error(f"a candidate may send only {', '.join(BROWSER_TYPES)}")
        stored, _ = await ctx.recorder.record(
            payload.session_id,
            role=conn.principal.role,
            name=conn.name or "",
            type=payload.type,
            detail=payload.detail,
            source=source,
            timestamp=client_time(payload.ts),
            client_id=payload.client_id,
        )
        return {"ok": True, "event": stored}

    @on("chat")
    async def chat(sid: str, data: Any = None) -> dict[str, Any]:
        payload = parse(ChatIn, data)
        if isinstance(payload, dict):
            return payload
        conn = await guard.check(sid, payload.session_id, chat=True)
        if isinstance(conn, dict):
            return conn
        limit = ctx.settings.max_chat_chars
        if len(payload.message) > limit:
            return error(f"message too long: {len(payload.message)} characters (limit {limit})")

        def store() -> tuple[dict[str, Any], bool]:
            with ctx.sessions() as db:
                row, created = repo.add_chat(
                    db,
                    payload.session_id,
                    role=conn.principal.role,
                    name=conn.name or "",
                    message=payload.message,
                    client_id=payload.client_id,
                )
                return chat_json(row), created

        message, created = await anyio.to_thread.run_sync(store)
        if created:  # a resend of a stored message was broadcast the first time
            await ctx.hub.emit_chat(message)
        return {"ok": True, "message": message}
