"""Socket.IO handlers for messages that are stored: ``event`` and ``chat``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import anyio

from proctor.db import repo
from proctor.realtime.payloads import ChatIn, EventIn, error, parse
from proctor.shapes.events import client_time, event_source
from proctor.shapes.schemas import BROWSER_TYPES
from proctor.shapes.views import chat_json

if TYPE_CHECKING:
    from proctor.context import AppContext
    from proctor.realtime.server import Guard, On


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
