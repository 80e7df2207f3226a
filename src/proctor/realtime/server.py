"""The Socket.IO server: connection auth, ``join``, presence; other handlers register here."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, cast

import anyio
import socketio

from proctor.config import Settings
from proctor.db import repo
from proctor.observability.logs import session_var
from proctor.realtime.hub import Connection
from proctor.realtime.payloads import JoinIn, error, parse
from proctor.realtime.protocol import GuardedServer
from proctor.realtime.redis_manager import ResilientRedisManager

if TYPE_CHECKING:
    from proctor.context import AppContext

log = logging.getLogger(__name__)
Ack = dict[str, Any]
Handler = Callable[..., Awaitable[Any]]
On = Callable[[str], Callable[[Handler], Handler]]


def create_sio(settings: Settings) -> socketio.AsyncServer:
    manager = (
        ResilientRedisManager(settings.redis_url, channel=settings.redis_channel)
        if settings.redis_url
        else None
    )
    return GuardedServer(
        async_mode="asgi",
        client_manager=manager,
        cors_allowed_origins=settings.cors_origins or None,
        # Room for one frame at the limit plus framing: bigger packets close the connection.
        max_http_buffer_size=2 * settings.max_frame_bytes + 65536,
        logger=False,
        engineio_logger=False,
    )


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
        chat: bool = False,
        active: bool = True,
    ) -> Connection | Ack:
        conn = self.ctx.hub.connections.get(sid)
        if conn is None:
            return error("not connected")
        session_var.set(conn.principal.session_id)  # this handler's task logs with it
        bucket = conn.frames if frame else conn.chats if chat else conn.messages
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
    from proctor.realtime import audio, media, messages

    guard = Guard(ctx)

    def on(name: str) -> Callable[[Handler], Handler]:
        return cast(Callable[[Handler], Handler], sio.on(name))

    def message(name: str) -> Callable[[Handler], Handler]:
        """A client → server message handler: one payload, and always an ack."""

        def decorate(handler: Handler) -> Handler:
            async def acked(sid: str, *args: Any) -> Any:
                if len(args) > 1:
                    return error("send one payload object")
                try:
                    return await handler(sid, *args)
                except Exception:
                    log.exception("%s handler failed", name)
                    return error("the server could not handle this message; try again")

            sio.on(name, acked)
            return handler

        return decorate

    @on("*")
    async def unknown(event: str, sid: str, *args: Any) -> Ack:
        return error(f"unknown message type: {str(event)[:50]!r}")

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
        session_var.set(session_id)
        await ctx.hub.leave(conn)
        roles = {p["role"] for p in ctx.hub.local_participants(session_id)}
        if conn.principal.role == "candidate" and "candidate" not in roles:
            # Nobody is watched here any more (analysis runs on the candidate's node): close
            # the open events now, not at session end.
            await ctx.end_analysis(session_id)

    @message("join")
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
            with ctx.sessions() as db:  # participants are filled in below
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
        conn.peer = payload.peer
        await ctx.hub.join(conn, payload.name or default)
        participants = await ctx.hub.participants(payload.session_id)
        session["participants"] = [{"role": p["role"], "name": p["name"]} for p in participants]
        return {"ok": True, "session": session, "participants": participants}

    media.register(message, ctx, guard)
    audio.register(message, ctx, guard)
    messages.register(message, ctx, guard)
