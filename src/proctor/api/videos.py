"""Recordings: one-shot multipart upload, chunked upload of recording parts, and playback with
HTTP Range. Paths without a part name the part ``main`` (how clients upload that record one
part a session)."""

from __future__ import annotations

import contextlib
import logging
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import TypeAdapter, ValidationError
from starlette import status

from proctor.api import parts
from proctor.api.deps import AnyToken, Ctx, Interviewer, Member, check_access
from proctor.api.errors import AUTH, errors
from proctor.api.limits import BoundedRoute
from proctor.api.responses import ChunkOut, CompleteOut, PartOut, VideoOut
from proctor.api.upload import Interrupted, receive_body, receive_file
from proctor.db import recordings
from proctor.db.models import RecordingRow, utcnow
from proctor.shapes.schemas import (
    MAX_DURATION_S,
    NO_NUL_PATTERN,
    PART_PATTERN,
    CompleteVideoIn,
    Duration,
    Timestamp,
)
from proctor.storage import LEGACY_PART, sniff_video_type

log = logging.getLogger(__name__)
router = APIRouter(tags=["videos"], route_class=BoundedRoute)
MAX_CHUNKS = 100_000
MAX_RECORDED_MS = 7 * 24 * 3600 * 1000
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_PART_RE = re.compile(PART_PATTERN)

Part = Annotated[str, PathParam(pattern=PART_PATTERN, description="Recording part id")]
Index = Annotated[int, PathParam(ge=0, lt=MAX_CHUNKS)]
RecordedMs = Annotated[
    float | None,
    Query(
        ge=0,
        le=MAX_RECORDED_MS,
        description="Milliseconds the part had been recording when this request was sent: "
        "the server dates the recording's start by its own clock from it",
    ),
]


async def arrival() -> datetime:
    """When the request arrived (before any other dependency runs, and on the event loop)."""
    return utcnow()


Arrived = Annotated[datetime, Depends(arrival)]


def _discard(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _urls(row: RecordingRow) -> dict[str, Any]:
    return {
        "video_url": f"/sessions/{row.session_id}/video",
        "part": row.part,
        "part_url": f"/sessions/{row.session_id}/videos/{row.part}",
        "size": row.size,
    }


# The media types a recording may have; the server checks the file's first bytes, not a name
VIDEO_TYPES = "video/webm, video/mp4"
FORM_FIELDS = {
    # Any text: one that is not the token's session is refused (403), as an empty one is
    "session_id": {"type": "string", "maxLength": 64, "pattern": NO_NUL_PATTERN},
    "file": {"type": "string", "format": "binary", "minLength": 1},
    "part": {"type": "string", "pattern": PART_PATTERN, "default": LEGACY_PART},
    "started_at": {"type": "string", "format": "date-time"},
    "duration_s": {"type": "number", "minimum": 0, "maximum": MAX_DURATION_S},
}
UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["session_id", "file"],
                    "properties": FORM_FIELDS,
                    "additionalProperties": False,
                },
                "encoding": {"file": {"contentType": VIDEO_TYPES}},
            }
        },
    }
}
CHUNK_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "Any bytes: a slice of the recording (its joined chunks must be a "
        "WebM or MP4 video)",
        "content": {
            "application/octet-stream": {
                "schema": {"type": "string", "format": "binary", "minLength": 1}
            }
        },
    }
}
_WHEN = TypeAdapter(Timestamp)
_DURATION = TypeAdapter(Duration)


def _form_fields(fields: dict[str, str], repeated: str | None) -> None:
    """Only the fields the form declares, each once (as JSON bodies refuse unknown keys)."""
    unknown = [name for name in fields if name not in FORM_FIELDS]
    if unknown:
        raise HTTPException(422, f"unknown form field: {unknown[0][:100]!r}")
    if repeated is not None:
        raise HTTPException(422, f"form field {repeated!r} is given more than once")


def _form_times(fields: dict[str, str]) -> tuple[datetime | None, float | None]:
    try:
        started = _WHEN.validate_python(fields["started_at"]) if "started_at" in fields else None
        duration = (
            _DURATION.validate_python(fields["duration_s"]) if "duration_s" in fields else None
        )
    except ValidationError as exc:
        raise HTTPException(422, f"started_at or duration_s: {exc.errors()[0]['msg']}") from None
    return started, duration


def _interrupted(
    ctx: Ctx, kind: str, session_id: str | None, part: str, exc: Interrupted
) -> Response:
    """A client that went away mid-upload (a flaky network): nothing of it was kept. Logged
    and counted; the answer is never sent."""
    ctx.metrics.uploads_interrupted.labels(kind).inc()
    log.info(
        "upload interrupted: part %s, %s (nothing kept)",
        part,
        exc,
        extra={"session_id": session_id},  # None: it had not arrived yet
    )
    return Response(status_code=400)


@router.post(
    "/upload-video",
    status_code=status.HTTP_201_CREATED,
    response_model=VideoOut,
    responses=errors(400, *AUTH, 404, 409, 413, 415),
    openapi_extra=UPLOAD_BODY,
)
async def upload_video(
    request: Request, ctx: Ctx, principal: AnyToken
) -> dict[str, Any] | Response:
    """Multipart ``session_id`` + ``file`` (WebM or MP4, checked from its bytes); optional
    ``part`` (default ``main``; the same part again replaces it), ``started_at``, ``duration_s``."""
    tmp = ctx.storage.new_upload_tmp()
    try:
        try:
            got = await receive_file(
                request, tmp, file_field="file", limit=ctx.settings.max_video_bytes
            )
        except Interrupted as exc:
            fields = exc.fields
            # The token names the session even when its form field had not arrived yet.
            session = fields.get("session_id") or principal.session_id
            return _interrupted(ctx, "upload", session, fields.get("part", LEGACY_PART), exc)
        _form_fields(got.fields, got.repeated)
        session_id = got.fields.get("session_id")
        if session_id is None:
            raise HTTPException(422, "session_id is required")
        check_access(principal, session_id)
        part = got.fields.get("part", LEGACY_PART)
        if not _PART_RE.match(part):
            raise HTTPException(422, "part: 1 to 64 letters, digits, '-' or '_'")
        started_at, duration_s = _form_times(got.fields)
        if got.file_field is None:
            raise HTTPException(422, "file is required")
        if got.size == 0:
            raise HTTPException(422, "file is empty")
        mime = sniff_video_type(got.head)
        if mime is None:
            raise HTTPException(415, "file is not a WebM or MP4 video")
        row = await anyio.to_thread.run_sync(
            lambda: parts.store_upload(
                ctx, session_id, part, tmp, mime, started_at=started_at, duration_s=duration_s
            )
        )
    finally:
        _discard(tmp)
    return {"session_id": session_id, **_urls(row)}


async def _put_chunk(
    ctx: Ctx,
    request: Request,
    session_id: str,
    part: str,
    index: int,
    recorded_ms: float | None,
    arrived: datetime,
) -> dict[str, Any] | Response:
    # The request left the page recorded_ms after the recording started, so the start was
    # at most that long before it arrived: no clock of the candidate's machine is trusted.
    started = arrived - timedelta(milliseconds=recorded_ms) if recorded_ms is not None else None
    plan = await anyio.to_thread.run_sync(
        lambda: parts.plan_chunk(ctx, session_id, part, index, started)
    )
    # All of a session's recordings together have one limit: it bounds their sum. The room
    # measured here bounds the body read; keep_chunk checks again as it stores the chunk.
    limit = ctx.settings.max_video_bytes
    if plan.room <= 0 and index >= plan.joined:
        raise parts.over_limit(ctx)
    tmp = ctx.storage.new_upload_tmp()
    try:
        room = plan.room if index >= plan.joined else limit
        try:
            size, _head = await receive_body(request, tmp, limit=max(room, 1))
        except Interrupted as exc:
            return _interrupted(ctx, "chunk", session_id, f"{part} chunk {index}", exc)
        if size == 0:
            raise HTTPException(422, "chunk is empty")
        if index < plan.joined:
            # Resent after it was joined into the part's file: nothing more to keep.
            received = list(range(plan.joined))
        else:
            received = await anyio.to_thread.run_sync(
                lambda: parts.keep_chunk(ctx, session_id, part, index, tmp)
            )
    finally:
        _discard(tmp)
    return {"index": index, "size": size, "received": received}


@router.put(
    "/sessions/{session_id}/video/parts/{part}/chunks/{index}",
    status_code=status.HTTP_201_CREATED,
    response_model=ChunkOut,
    responses=errors(*AUTH, 409, 413),
    openapi_extra=CHUNK_BODY,
)
async def put_part_chunk(
    arrived: Arrived,
    session_id: str,
    part: Part,
    index: Index,
    request: Request,
    ctx: Ctx,
    _: Member,
    recorded_ms: RecordedMs = None,
) -> dict[str, Any] | Response:
    """Store chunk ``index`` of recording part ``part``; the same index again replaces it."""
    return await _put_chunk(ctx, request, session_id, part, index, recorded_ms, arrived)


@router.put(
    "/sessions/{session_id}/video/chunks/{index}",
    status_code=status.HTTP_201_CREATED,
    response_model=ChunkOut,
    responses=errors(*AUTH, 409, 413),
    openapi_extra=CHUNK_BODY,
)
async def put_chunk(
    arrived: Arrived,
    session_id: str,
    index: Index,
    request: Request,
    ctx: Ctx,
    _: Member,
    recorded_ms: RecordedMs = None,
) -> dict[str, Any] | Response:
    """Chunk ``index`` of part ``main``."""
    return await _put_chunk(ctx, request, session_id, LEGACY_PART, index, recorded_ms, arrived)


async def _complete(ctx: Ctx, session_id: str, part: str, body: CompleteVideoIn) -> dict[str, Any]:
    row = await anyio.to_thread.run_sync(
        lambda: parts.complete(
            ctx,
            session_id,
            part,
            body.chunks,
            mime=body.mime,
            started_at=body.started_at,
            duration_s=body.duration_s,
        )
    )
    return {**_urls(row), **parts.part_json(row)}


@router.post(
    "/sessions/{session_id}/video/parts/{part}/complete",
    status_code=status.HTTP_201_CREATED,
    response_model=CompleteOut,
    responses=errors(400, *AUTH, 409, 413),
)
async def complete_part(
    session_id: str, part: Part, body: CompleteVideoIn, ctx: Ctx, _: Member
) -> dict[str, Any]:
    """Join the part's chunks 0..N-1 in order into its recording. Idempotent; with more
    chunks than the last time, the new ones are appended."""
    return await _complete(ctx, session_id, part, body)


@router.post(
    "/sessions/{session_id}/video/complete",
    status_code=status.HTTP_201_CREATED,
    response_model=CompleteOut,
    responses=errors(400, *AUTH, 409, 413),
)
async def complete(session_id: str, body: CompleteVideoIn, ctx: Ctx, _: Member) -> dict[str, Any]:
    """Join the chunks of part ``main``."""
    return await _complete(ctx, session_id, LEGACY_PART, body)


def _stored(ctx: Ctx, session_id: str) -> list[RecordingRow]:
    parts.finish_abandoned(ctx, session_id)
    with ctx.sessions() as db:
        return recordings.stored(db, session_id)


@router.get(
    "/sessions/{session_id}/videos",
    response_model=list[PartOut],
    responses=errors(*AUTH),
)
async def list_videos(session_id: str, ctx: Ctx, _: Interviewer) -> list[dict[str, Any]]:
    """The session's recording parts, earliest first."""
    rows = await anyio.to_thread.run_sync(_stored, ctx, session_id)
    return [parts.part_json(r) for r in rows]


VIDEO_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"video/webm": {}, "video/mp4": {}}},
    206: {"description": "Part of the video", "content": {"video/webm": {}, "video/mp4": {}}},
    **errors(*AUTH, 404, 416),
}


@router.get("/sessions/{session_id}/video", response_class=Response, responses=VIDEO_RESPONSES)
async def get_video(session_id: str, request: Request, ctx: Ctx, _: Interviewer) -> Response:
    """The main recording (the largest part); ``Range: bytes=a-b`` answers 206 for seeking."""
    rows = await anyio.to_thread.run_sync(_stored, ctx, session_id)
    return _serve(ctx, request, recordings.main(rows))


@router.get(
    "/sessions/{session_id}/videos/{part}", response_class=Response, responses=VIDEO_RESPONSES
)
async def get_part(
    session_id: str, part: Part, request: Request, ctx: Ctx, _: Interviewer
) -> Response:
    """One recording part, with Range."""

    def load() -> RecordingRow | None:
        with ctx.sessions() as db:
            return recordings.get(db, session_id, part)

    return _serve(ctx, request, await anyio.to_thread.run_sync(load))


def _serve(ctx: Ctx, request: Request, row: RecordingRow | None) -> Response:
    path = ctx.storage.resolve(row.path) if row is not None and row.path else None
    if row is None or path is None or not path.is_file():
        raise HTTPException(404, "no such recording")
    size = path.stat().st_size
    header = request.headers.get("range")
    if header is not None and not _range_ok(header, size):
        return JSONResponse(
            {"detail": f"range not satisfiable: {header!r} (size {size})"},
            status_code=416,
            headers={"Content-Range": f"bytes */{size}"},
        )
    return FileResponse(path, media_type=row.mime or "application/octet-stream")


def _range_ok(header: str, size: int) -> bool:
    """One ``bytes=`` range that lies at least partly inside the file."""
    match = _RANGE.match(header.strip())
    if not match or (not match[1] and not match[2]):
        return False
    if not match[1]:
        return int(match[2]) > 0 and size > 0
    start = int(match[1])
    end = int(match[2]) if match[2] else size - 1
    return start <= end and start < size
