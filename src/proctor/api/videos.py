"""Recordings: one-shot multipart upload, chunked upload, and playback with HTTP Range."""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette import status

from proctor.api.deps import AnyToken, Ctx, Interviewer, Member, check_access
from proctor.api.errors import AUTH, errors
from proctor.api.responses import ChunkOut, CompleteOut, VideoOut
from proctor.api.schemas import CompleteVideoIn
from proctor.api.upload import receive_body, receive_file
from proctor.db import repo
from proctor.storage import sniff_video_type

router = APIRouter(tags=["videos"])
MAX_CHUNKS = 100_000
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _discard(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


async def _record_video(ctx: Ctx, session_id: str, tmp: Path, size: int, mime: str) -> str:
    target = ctx.storage.video_path(session_id, mime)

    def store() -> None:
        with ctx.sessions() as db:
            row = repo.get_session(db, session_id)
            if row is None:
                raise HTTPException(404, "unknown session")
            old = ctx.storage.resolve(row.video_path) if row.video_path else None
            os.replace(tmp, target)
            repo.set_video(db, row, ctx.storage.relative(target), size, mime)
        if old is not None and old != target:
            _discard(old)

    await anyio.to_thread.run_sync(store)
    return f"/sessions/{session_id}/video"


UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["session_id", "file"],
                    "properties": {
                        "session_id": {"type": "string"},
                        "file": {"type": "string", "format": "binary"},
                    },
                }
            }
        },
    }
}
CHUNK_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.post(
    "/upload-video",
    status_code=status.HTTP_201_CREATED,
    response_model=VideoOut,
    responses=errors(400, *AUTH, 404, 413, 415),
    openapi_extra=UPLOAD_BODY,
)
async def upload_video(request: Request, ctx: Ctx, principal: AnyToken) -> dict[str, Any]:
    """Multipart ``session_id`` + ``file`` (WebM or MP4, checked from its bytes)."""
    tmp = ctx.storage.new_upload_tmp()
    try:
        got = await receive_file(
            request, tmp, file_field="file", limit=ctx.settings.max_video_bytes
        )
        session_id = got.fields.get("session_id")
        if not session_id:
            raise HTTPException(422, "session_id is required")
        check_access(principal, session_id)
        if got.file_field is None:
            raise HTTPException(422, "file is required")
        if got.size == 0:
            raise HTTPException(422, "file is empty")
        mime = sniff_video_type(got.head)
        if mime is None:
            raise HTTPException(415, "file is not a WebM or MP4 video")
        url = await _record_video(ctx, session_id, tmp, got.size, mime)
    finally:
        _discard(tmp)
    return {"session_id": session_id, "video_url": url, "size": got.size}


@router.put(
    "/sessions/{session_id}/video/chunks/{index}",
    status_code=status.HTTP_201_CREATED,
    response_model=ChunkOut,
    responses=errors(*AUTH, 413),
    openapi_extra=CHUNK_BODY,
)
async def put_chunk(
    session_id: str,
    index: Annotated[int, PathParam(ge=0, lt=MAX_CHUNKS)],
    request: Request,
    ctx: Ctx,
    _: Member,
) -> dict[str, Any]:
    """Store chunk ``index``; sending the same index again replaces it."""
    limit = ctx.settings.max_video_bytes

    def stored_bytes() -> int:
        with ctx.sessions() as db:
            return repo.chunk_bytes(db, session_id, excluding=index)

    # All chunks together are one recording: its limit bounds their sum, not each chunk.
    room = limit - await anyio.to_thread.run_sync(stored_bytes)
    if room <= 0:
        raise HTTPException(413, f"the recording's chunks pass its limit ({limit} bytes)")
    tmp = ctx.storage.new_upload_tmp()
    try:
        size, _head = await receive_body(request, tmp, limit=room)
        if size == 0:
            raise HTTPException(422, "chunk is empty")

        def store() -> list[int]:
            os.replace(tmp, ctx.storage.chunk_path(session_id, index))
            with ctx.sessions() as db:
                return repo.put_chunk(db, session_id, index, size)

        received = await anyio.to_thread.run_sync(store)
    finally:
        _discard(tmp)
    return {"index": index, "size": size, "received": received}


@router.post(
    "/sessions/{session_id}/video/complete",
    status_code=status.HTTP_201_CREATED,
    response_model=CompleteOut,
    responses=errors(*AUTH, 409, 413, 415),
)
async def complete(session_id: str, body: CompleteVideoIn, ctx: Ctx, _: Member) -> dict[str, Any]:
    """Join chunks 0..N-1 in order into the session's recording."""

    def assemble() -> tuple[Path, int, str]:
        with ctx.sessions() as db:
            have = set(repo.chunk_indexes(db, session_id))
        missing = [i for i in range(body.chunks) if i not in have]
        if missing:
            raise HTTPException(409, f"chunks missing: {missing[:20]}")
        with ctx.storage.chunk_path(session_id, 0).open("rb") as chunk:
            first = chunk.read(64)
        mime = sniff_video_type(first)
        if mime is None:
            raise HTTPException(415, "the recording is not a WebM or MP4 video")
        if body.mime is not None and body.mime != mime:
            raise HTTPException(415, f"the recording is {mime}, not {body.mime}")
        tmp = ctx.storage.new_upload_tmp()
        size = ctx.storage.assemble_chunks(session_id, body.chunks, tmp)
        if size > ctx.settings.max_video_bytes:
            _discard(tmp)
            raise HTTPException(413, f"recording too large (limit {ctx.settings.max_video_bytes})")
        return tmp, size, mime

    tmp, size, mime = await anyio.to_thread.run_sync(assemble)
    try:
        url = await _record_video(ctx, session_id, tmp, size, mime)
    finally:
        _discard(tmp)

    def cleanup() -> None:
        with ctx.sessions() as db:
            repo.clear_chunks(db, session_id)
        ctx.storage.drop_chunks(session_id)

    await anyio.to_thread.run_sync(cleanup)
    return {"video_url": url, "size": size}


@router.get(
    "/sessions/{session_id}/video",
    response_class=Response,
    responses={
        200: {"content": {"video/webm": {}, "video/mp4": {}}},
        206: {"description": "Part of the video", "content": {"video/webm": {}, "video/mp4": {}}},
        **errors(*AUTH, 404, 416),
    },
)
def get_video(session_id: str, request: Request, ctx: Ctx, _: Interviewer) -> Response:
    """The recording; ``Range: bytes=a-b`` answers 206 for seeking."""
    with ctx.sessions() as db:
        row = repo.get_session(db, session_id)
    path = ctx.storage.resolve(row.video_path) if row and row.video_path else None
    if row is None or path is None or not path.is_file():
        raise HTTPException(404, "this session has no recording")
    size = path.stat().st_size
    header = request.headers.get("range")
    if header is not None and not _range_ok(header, size):
        return JSONResponse(
            {"detail": f"range not satisfiable: {header!r} (size {size})"},
            status_code=416,
            headers={"Content-Range": f"bytes */{size}"},
        )
    return FileResponse(path, media_type=row.video_mime or "application/octet-stream")


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
