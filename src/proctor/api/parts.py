"""Recording parts on disk and in the database: storing chunks, joining them, whole uploads.

Each candidate page records its own part (a reloaded page starts a new one), so no part ever
overwrites another. Joining is idempotent and may run again with more chunks: a part that
already holds chunks 0..k-1 gets k..n-1 appended. Every change swaps in a new file only if
the part did not change meanwhile, so concurrent requests (or servers) never mix their work.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import HTTPException

from proctor.context import AppContext
from proctor.db import recordings
from proctor.db.models import RecordingRow, utcnow
from proctor.shapes.views import iso
from proctor.storage import sniff_video_type

log = logging.getLogger(__name__)
MAX_PARTS = 100  # per session: a page reload starts one, so this is far more than a session needs
SWAP_ATTEMPTS = 3


def part_json(row: RecordingRow) -> dict[str, Any]:
    return {
        "part": row.part,
        "started_at": iso(row.started_at),
        "duration_s": row.duration_s,
        "size": row.size,
        "mime": row.mime,
        "url": f"/sessions/{row.session_id}/videos/{row.part}",
    }


def _discard(path: Path | None) -> None:
    if path is not None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _new_part(ctx: AppContext, session_id: str, part: str) -> RecordingRow:
    with ctx.sessions() as db:
        row = recordings.get(db, session_id, part)
        if row is not None:
            return row
        if recordings.part_count(db, session_id) >= MAX_PARTS:
            raise HTTPException(409, f"this session already has {MAX_PARTS} recording parts")
        return recordings.ensure(db, session_id, part)


@dataclass(frozen=True, slots=True)
class ChunkPlan:
    room: int  # bytes the session's recordings may still take
    joined: int  # chunks already in the part's file: a resent one of these is not kept


def plan_chunk(
    ctx: AppContext, session_id: str, part: str, index: int, started_at: datetime | None
) -> ChunkPlan:
    """Before a chunk's body is read: make the part, refine its start, measure the room."""
    row = _new_part(ctx, session_id, part)
    with ctx.sessions() as db:
        if started_at is not None:
            row = recordings.get(db, session_id, part) or row
            recordings.note_start(db, row, started_at)
        used = recordings.session_bytes(db, session_id, but_chunk=(part, index))
    return ChunkPlan(room=ctx.settings.max_video_bytes - used, joined=row.chunks)


def over_limit(ctx: AppContext) -> HTTPException:
    limit = ctx.settings.max_video_bytes
    return HTTPException(413, f"the session's recordings pass their limit ({limit} bytes)")


def keep_chunk(ctx: AppContext, session_id: str, part: str, index: int, tmp: Path) -> list[int]:
    """Move a received chunk into place unless it would pass the session's limit (413, and
    nothing stored changes); returns every index the server holds of the part."""
    size = tmp.stat().st_size
    with ctx.recording_bytes:
        # A read of its own: on SQLite a read transaction that then writes fails, rather than
        # waits, when another connection wrote meanwhile.
        with ctx.sessions() as db:
            used = recordings.session_bytes(db, session_id, but_chunk=(part, index))
        if used + size > ctx.settings.max_video_bytes:
            raise over_limit(ctx)
        ctx.storage.put_chunk_file(session_id, part, index, tmp)
        with ctx.sessions() as db:
            recordings.put_chunk(db, session_id, part, index, size)
            row = recordings.get(db, session_id, part)
            joined = row.chunks if row is not None else 0
            return [
                *range(joined),
                *(i for i in recordings.pending(db, session_id, part) if i >= joined),
            ]


def complete(
    ctx: AppContext,
    session_id: str,
    part: str,
    count: int | None,
    *,
    mime: str | None = None,
    started_at: datetime | None = None,
    duration_s: float | None = None,
) -> RecordingRow:
    """Join the part's chunks 0..count-1 (``None``: every chunk held, up to the first gap)."""
    for _ in range(SWAP_ATTEMPTS):
        with ctx.sessions() as db:
            row = recordings.get(db, session_id, part)
            have = set(recordings.pending(db, session_id, part)) if row is not None else set()
        if row is None:
            raise HTTPException(409, f"no chunk of part {part!r} was received")
        joined = row.chunks
        n = count
        if n is None:
            n = joined
            while n in have:
                n += 1
            if n == 0:
                raise HTTPException(409, f"no chunk of part {part!r} was received")
        if n < joined:
            raise HTTPException(409, f"part {part!r} already holds {joined} chunks, not {n}")
        if n == joined and row.path is not None:
            break  # done before (a retried request): the same answer again
        missing = [i for i in range(joined, n) if i not in have]
        if missing:
            if _changed(ctx, row):
                continue  # another request joined them between the two reads: look again
            raise HTTPException(409, f"chunks missing: {missing[:20]}")
        if _join(ctx, row, n, mime):
            break
    else:
        raise HTTPException(409, "the recording part kept changing; try again")

    with ctx.sessions() as db:
        done = recordings.set_times(db, row.id, started_at, duration_s)
    assert done is not None
    return done


def _changed(ctx: AppContext, row: RecordingRow) -> bool:
    with ctx.sessions() as db:
        now = recordings.get(db, row.session_id, row.part)
    return now is None or (now.chunks, now.path) != (row.chunks, row.path)


def _join(ctx: AppContext, row: RecordingRow, n: int, mime: str | None) -> bool:
    """Write the part's new file (its old one, then chunks row.chunks..n-1); False when the
    part changed meanwhile."""
    storage, sid, part = ctx.storage, row.session_id, row.part
    old = storage.resolve(row.path) if row.path else None
    append = row.chunks > 0  # else the chunks replace whatever file the part had
    target = None
    try:
        if append:
            kind = row.mime
            if old is None or not old.is_file():
                raise HTTPException(409, f"part {part!r} lost its file; upload it again")
        else:
            with storage.chunk_path(sid, part, 0).open("rb") as chunk:
                kind = sniff_video_type(chunk.read(64))
        # What was stored conflicts with the request (its own body is fine): 409, not 415
        if kind is None:
            raise HTTPException(409, "the recording's chunks are not a WebM or MP4 video")
        if mime is not None and mime != kind:
            raise HTTPException(409, f"the recording is {kind}, not {mime}")
        target = storage.video_path(sid, part, kind)
        head = old if append else None
        size = storage.assemble_chunks(sid, part, range(row.chunks, n), target, head)
    except FileNotFoundError:
        # Another request joined these chunks first and removed them: read the part again.
        _discard(target)
        return False
    if size > ctx.settings.max_video_bytes:
        _discard(target)
        raise HTTPException(413, f"recording too large (limit {ctx.settings.max_video_bytes})")
    if not _swap_in(ctx, row, target, chunks=n, size=size, mime=kind, drop_below=n):
        _discard(target)
        return False
    if old is not None and old != target:
        _discard(old)
    storage.drop_chunks(sid, part, below=n)
    return True


def _swap_in(
    ctx: AppContext,
    row: RecordingRow,
    target: Path,
    *,
    chunks: int,
    size: int,
    mime: str,
    drop_below: int | None,
) -> bool:
    """Point the part at ``target`` (holding its chunks 0..chunks-1) and forget its stored
    chunks below ``drop_below`` (None: all), unless another request changed the part since
    ``row`` was read: then False, and the caller deals with its file."""
    with ctx.sessions() as db:
        swapped = recordings.swap_file(
            db,
            row.id,
            expected_chunks=row.chunks,
            expected_path=row.path,
            chunks=chunks,
            path=ctx.storage.relative(target),
            size=size,
            mime=mime,
        )
        if swapped:
            recordings.drop_chunks(db, row.session_id, row.part, below=drop_below)
    return swapped


def store_upload(
    ctx: AppContext,
    session_id: str,
    part: str,
    tmp: Path,
    mime: str,
    *,
    started_at: datetime | None,
    duration_s: float | None,
) -> RecordingRow:
    """A whole recording in one request: it replaces the part's file and pending chunks."""
    size = tmp.stat().st_size
    for _ in range(SWAP_ATTEMPTS):
        row = _new_part(ctx, session_id, part)
        with ctx.recording_bytes:  # checked and stored together, as chunks are
            with ctx.sessions() as db:
                used = recordings.session_bytes(db, session_id, but_part_file=part)
            if used + size > ctx.settings.max_video_bytes:
                limit = ctx.settings.max_video_bytes
                raise HTTPException(413, f"recording too large (limit {limit})")
            target = ctx.storage.video_path(session_id, part, mime)
            tmp.replace(target)
            swapped = _swap_in(ctx, row, target, chunks=0, size=size, mime=mime, drop_below=None)
        if swapped:
            with ctx.sessions() as db:
                done = recordings.get(db, session_id, part)
                if done is not None:
                    done.duration_s = duration_s
                    done.started_at = started_at or done.started_at
                    db.commit()
            if done is not None:
                if row.path and (old := ctx.storage.resolve(row.path)) != target:
                    _discard(old)
                ctx.storage.drop_chunks(session_id, part)
                return done
        target.replace(tmp)  # the part changed meanwhile: try again with the new state
    raise HTTPException(409, "the recording part kept changing; try again")


def finish_abandoned(ctx: AppContext, session_id: str) -> None:
    """Join the chunks of parts whose page stopped sending them (closed or crashed before it
    could complete its part), so their recording is not lost. A page that comes back later
    may still send more chunks and complete: they are appended."""
    before = utcnow() - timedelta(seconds=ctx.settings.recording_abandoned_seconds)
    with ctx.sessions() as db:
        parts = recordings.abandoned_parts(db, session_id, before)
    for part in parts:
        try:
            complete(ctx, session_id, part, None)
        except HTTPException as exc:
            log.warning("recording part %s left as it is: %s", part, exc.detail)
        with ctx.sessions() as db:  # chunks already joined, resent late: nothing to keep
            row = recordings.get(db, session_id, part)
            if row is not None and row.chunks:
                recordings.drop_chunks(db, session_id, part, below=row.chunks)
        if row is not None and row.chunks:
            ctx.storage.drop_chunks(session_id, part, below=row.chunks)
