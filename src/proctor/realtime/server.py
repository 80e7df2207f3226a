"""The Socket.IO server: connection auth, ``join``, presence; other handlers register here."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

import anyio
import socketio
from pydantic import BaseModel, ValidationError

from proctor.api.schemas import JoinIn
from proctor.config import Settings
from proctor.db import repo
from proctor.realtime.hub import Connection

if TYPE_CHECKING:
    from proctor.realtime.context import AppContext

log = logging.getLogger(__name__)
Ack = dict[str, Any]
Handler = Callable[..., Awaitable[Any]]
On = Callable[[str], Callable[[Handler], Handler]]
M = TypeVar("M", bound=BaseModel)


def create_sio(settings: Settings) -> socketio.AsyncServer:
    manager = (
        socketio.AsyncRedisManager(settings.redis_url, channel=settings.redis_channel)
        if settings.redis_url
        else None
    )
    return socketio.AsyncServer(
        async_mode="asgi",
        client_manager=manager,
        cors_allowed_origins=settings.cors_origins or None,
        # Room for one frame at the limit plus framing: bigger packets close the connection.
        max_http_buffer_size=2 * settings.max_frame_bytes + 65536,
        logger=False,
        engineio_logger=False,
    )


def error(message: str) -> Ack:
    return {"ok": False, "error": message}


def parse(model: type[M], data: Any) -> M | Ack:
    """The payload as ``model``, or an error ack naming what is wrong."""
    if not isinstance(data, dict):
        return error("payload must be an object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "payload"
        return error(f"{where}: {first['msg']}")


class Guard:
    """Checks shared by every handler: known connection, joined, rate limit, session, role."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    async def check(
        self,
        sid: str,
        session_id: str,
        *,
        role: str | None = None,
        joined: bool = True,
        frame: bool = False,
        active: bool = True,
    ) -> Connection | Ack:
        conn = self.ctx.hub.connections.get(sid)
        if conn is None:
            return error("not connected")
        bucket = conn.frames if frame else conn.messages
        if not bucket.take():
            return error("rate limited")
        if session_id != conn.principal.session_id:
            return error("not allowed for this session")
        if joined and not conn.joined:
            return error("join the session first")
        if role is not None and conn.principal.role != role:
            return error(f"only the {role} may send this")
        if active:
            await self.ctx.refresh_status(session_id)
            if session_id in self.ctx.ended:
                return error("the session has ended")
        return conn


def register(sio: socketio.AsyncServer, ctx: AppContext) -> None:
    from proctor.realtime import media, messages

    guard = Guard(ctx)

    def on(name: str) -> Callable[[Handler], Handler]:
        return cast(Callable[[Handler], Handler], sio.on(name))

    @on("connect")
    async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        if not isinstance(token, str) or not token:
            raise socketio.exceptions.ConnectionRefusedError("a token is required")

        def lookup() -> repo.Principal | None:
            with ctx.sessions() as db:
                return repo.principal_for_token(db, token)

        principal = await anyio.to_thread.run_sync(lookup)
        if principal is None:
            raise socketio.exceptions.ConnectionRefusedError("invalid token")
        ctx.hub.connect(sid, principal)

    @on("disconnect")
    async def disconnect(sid: str, *args: Any) -> None:
        conn = ctx.hub.disconnect(sid)
        if conn is None or not conn.joined:
            return
        session_id = conn.principal.session_id
        await ctx.hub.emit_presence(session_id)
        roles = {p["role"] for p in ctx.hub.participants(session_id, with_sid=False)}
        if conn.principal.role == "candidate" and "candidate" not in roles:
            # Nobody is watched any more: close the open events now, not at session end.
            await ctx.live.end_session(session_id)

    @on("join")
    async def join(sid: str, data: Any = None) -> Ack:
        payload = parse(JoinIn, data)
        if isinstance(payload, dict):
            return payload
        conn = await guard.check(sid, payload.session_id, joined=False, active=False)
        if isinstance(conn, dict):
            return conn
        if payload.role != conn.principal.role:
            return error(f"this token is the {conn.principal.role}'s, not the {payload.role}'s")

        def load() -> dict[str, Any] | None:
            with ctx.sessions() as db:
                row = repo.get_session(db, payload.session_id)
                if row is None:
                    return None
                conn.session_name = row.name
                notices = (row.settings or {}).get("candidate_notices")
                conn.notices = list(ctx.settings.candidate_notices if notices is None else notices)
                if row.status == "ended":
                    ctx.ended.add(row.session_id)
                return ctx.session_resource(db, payload.session_id)

        session = await anyio.to_thread.run_sync(load)
        if session is None:
            return error("unknown session")
        if conn.principal.role == "candidate" and payload.session_id in ctx.ended:
            return error("the session has ended")
        default = conn.session_name if conn.principal.role == "candidate" else "Interviewer"
        await ctx.hub.join(conn, payload.name or default)
        session["participants"] = ctx.hub.participants(payload.session_id, with_sid=False)
        return {
            "ok": True,
            "session": session,
            "participants": ctx.hub.participants(payload.session_id),
        }

    media.register(on, ctx, guard)
    messages.register(on, ctx, guard)
