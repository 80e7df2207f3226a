"""Socket.IO handlers for images and media: ``frame``, ``snapshot``, ``signal``, ``calibrate``."""

from __future__ import annotations

import json
import secrets
import time
from typing import TYPE_CHECKING, Any

from proctor.db.models import utcnow
from proctor.realtime.payloads import FrameIn, SessionOnlyIn, SignalIn, SnapshotIn, error, parse
from proctor.realtime.slots import PendingFrame
from proctor.shapes.views import iso
from proctor.storage import is_jpeg
from proctor.vision.frames import FrameError, check_header

if TYPE_CHECKING:
    from proctor.context import AppContext
    from proctor.realtime.server import Guard, On

MAX_SIGNAL_BYTES = 64 * 1024


def check_image(image: Any, limit: int, max_side: int) -> str | None:
    """Why ``image`` is not an acceptable JPEG, or None. Only the header is read: a truncated
    file or one claiming huge dimensions is refused here, before it reaches a decoder."""
    if not isinstance(image, bytes | bytearray):
        return "image must be JPEG bytes"
    if len(image) > limit:
        return f"image too large: {len(image)} bytes (limit {limit})"
    if not is_jpeg(bytes(image)):
        return "image is not a JPEG"
    try:
        check_header(bytes(image), max_bytes=limit, max_side=max_side, require_jpeg=True)
    except FrameError as exc:
        return f"image refused: {exc}"
    return None


def register(on: On, ctx: AppContext, guard: Guard) -> None:
    @on("frame")
    async def frame(sid: str, data: Any = None) -> dict[str, Any]:
        received_wall, received_mono = time.time(), time.monotonic()
        payload = parse(FrameIn, data)
        if isinstance(payload, dict):
            ctx.metrics.reject_frame(payload["error"])
            return payload
        conn = await guard.check(sid, payload.session_id, role="candidate", frame=True)
        if isinstance(conn, dict):
            ctx.metrics.reject_frame(conn["error"])
            return conn
        problem = check_image(
            payload.image, ctx.settings.max_frame_bytes, ctx.settings.max_image_side
        )
        if problem:
            ctx.metrics.reject_frame(problem)
            return error(problem)
        accepted = ctx.live.submit(
            payload.session_id,
            PendingFrame(payload.image, received_wall, received_mono, payload.ts),
            candidate=conn.session_name,
            notices=conn.notices,
        )
        if not accepted:
            return {"ok": True, "accepted": False, "reason": ctx.pool.error}
        return {"ok": True, "accepted": True}

    @on("snapshot")
    async def snapshot(sid: str, data: Any = None) -> dict[str, Any]:
        payload = parse(SnapshotIn, data)
        if isinstance(payload, dict):
            return payload
        conn = await guard.check(sid, payload.session_id)
        if isinstance(conn, dict):
            return conn
        if conn.principal.role == "interviewer":
            asked = secrets.token_hex(8)
            await ctx.hub.request_snapshot(payload.session_id, asked)
            return {"ok": True, "request_id": asked}
        request_id, image = payload.request_id, payload.image
        if request_id is None or image is None:
            return error("request_id and image are required in a candidate's snapshot")
        problem = check_image(image, ctx.settings.max_frame_bytes, ctx.settings.max_image_side)
        if problem:
            return error(problem)
        if not await ctx.hub.claim_snapshot(payload.session_id, request_id):
            return error("unknown snapshot request")
        await ctx.hub.deliver_snapshot(
            {
                "session_id": payload.session_id,
                "request_id": request_id,
                "image": image,
                "timestamp": iso(utcnow()),
            }
        )
        return {"ok": True}

    @on("signal")
    async def signal(sid: str, data: Any = None) -> dict[str, Any]:
        payload = parse(SignalIn, data)
        if isinstance(payload, dict):
            return payload
        conn = await guard.check(sid, payload.session_id)
        if isinstance(conn, dict):
            return conn
        try:
            size = len(json.dumps(payload.data))
        except (TypeError, ValueError):
            return error("data must be JSON")
        if size > MAX_SIGNAL_BYTES:
            return error(f"signal too large: {size} bytes (limit {MAX_SIGNAL_BYTES})")
        if not await ctx.hub.relay_signal(conn, payload.data, payload.to):
            return error("no such peer in this session")
        return {"ok": True}

    @on("calibrate")
    async def calibrate(sid: str, data: Any = None) -> dict[str, Any]:
        payload = parse(SessionOnlyIn, data)
        if isinstance(payload, dict):
            return payload
        conn = await guard.check(sid, payload.session_id)
        if isinstance(conn, dict):
            return conn
        await ctx.calibrate(payload.session_id)
        return {"ok": True}
