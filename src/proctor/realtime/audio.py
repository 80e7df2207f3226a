"""The ``audio`` Socket.IO handler: the candidate's microphone, in ~1 s WebM/Opus chunks, to the
live audio analysis (``proctor.audio.service``)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import anyio

from proctor.audio.live import Mode, session_mode
from proctor.db import repo
from proctor.realtime.payloads import AudioIn, error, parse

MAX_MODES = 10_000

if TYPE_CHECKING:
    from proctor.context import AppContext
    from proctor.realtime.server import Guard, On


def register(on: On, ctx: AppContext, guard: Guard) -> None:
    # Per session, read once (a session's mode never changes); the oldest are forgotten
    modes: dict[str, Mode] = {}

    async def mode_of(session_id: str) -> Mode:
        if session_id not in modes:
            if len(modes) >= MAX_MODES:
                del modes[next(iter(modes))]

            def load() -> Mode:
                with ctx.sessions() as db:
                    row = repo.get_session(db, session_id)
                    return session_mode(row.settings if row is not None else None)

            modes[session_id] = await anyio.to_thread.run_sync(load)
        return modes[session_id]

    @on("audio")
    async def audio(sid: str, data: Any = None) -> dict[str, Any]:
        received_wall = time.time()
        payload = parse(AudioIn, data)
        if isinstance(payload, dict):
            return payload
        conn = await guard.check(sid, payload.session_id, role="candidate")
        if isinstance(conn, dict):
            return conn
        limit = ctx.settings.max_audio_chunk_bytes
        if len(payload.data) > limit:
            return error(f"audio chunk too large: {len(payload.data)} bytes (limit {limit})")
        return await ctx.audio.submit(
            payload.session_id,
            payload.seq,
            payload.data,
            received_wall=received_wall,
            candidate=conn.session_name,
            mode=await mode_of(payload.session_id),
        )
