"""Repository functions of recording parts and their upload chunks (see repo.py's rules)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from proctor.db.models import RecordingRow, VideoChunkRow, utcnow


def get(db: Session, session_id: str, part: str) -> RecordingRow | None:
    return db.execute(
        select(RecordingRow).where(RecordingRow.session_id == session_id, RecordingRow.part == part)
    ).scalar_one_or_none()


def ensure(db: Session, session_id: str, part: str) -> RecordingRow:
    """The part's row, made when it is new (two requests may make it at once: one wins)."""
    for _ in range(2):
        row = get(db, session_id, part)
        if row is not None:
            return row
        db.add(
            RecordingRow(session_id=session_id, part=part, size=0, chunks=0, created_at=utcnow())
        )
        try:
            db.commit()
        except IntegrityError:
            db.rollback()
    row = get(db, session_id, part)
    assert row is not None
    return row


def part_count(db: Session, session_id: str) -> int:
    query = select(func.count()).select_from(RecordingRow)
    return int(db.execute(query.where(RecordingRow.session_id == session_id)).scalar_one())


def stored(db: Session, session_id: str) -> list[RecordingRow]:
    """Parts that have a file, earliest first (parts without a start time last)."""
    rows = db.execute(
        select(RecordingRow).where(
            RecordingRow.session_id == session_id, RecordingRow.path.is_not(None)
        )
    ).scalars()
    return sorted(rows, key=order)


def order(row: RecordingRow) -> tuple[bool, datetime, int]:
    return (row.started_at is None, row.started_at or row.created_at, row.id)


def main(rows: list[RecordingRow]) -> RecordingRow | None:
    """The session's main recording: the largest part (at the recorder's fixed bitrate, the
    longest); the earliest of equals."""
    with_file = [r for r in rows if r.path]
    return max(with_file, key=lambda r: (r.size, -order(r)[1].timestamp()), default=None)


def note_start(db: Session, row: RecordingRow, started_at: datetime) -> None:
    """Keep the earliest estimate: every delay makes an estimate later, never earlier."""
    if row.started_at is None or started_at < row.started_at:
        row.started_at = started_at
        db.commit()


def put_chunk(db: Session, session_id: str, part: str, index: int, size: int) -> None:
    """Record chunk ``index`` of ``part`` (replacing an earlier one)."""
    for _ in range(2):
        row = db.get(VideoChunkRow, (session_id, part, index))
        if row is None:
            db.add(
                VideoChunkRow(
                    session_id=session_id, part=part, index=index, size=size, received_at=utcnow()
                )
            )
        else:
            row.size, row.received_at = size, utcnow()
        try:
            db.commit()
            break
        except IntegrityError:
            db.rollback()  # the same index arrived twice at once: update the other's row


def pending(db: Session, session_id: str, part: str) -> list[int]:
    """Indexes of the part's chunks received and not yet joined into its file."""
    return list(
        db.execute(
            select(VideoChunkRow.index)
            .where(VideoChunkRow.session_id == session_id, VideoChunkRow.part == part)
            .order_by(VideoChunkRow.index)
        ).scalars()
    )


def drop_chunks(db: Session, session_id: str, part: str, below: int | None = None) -> None:
    """Forget the part's chunks (those below index ``below``, when given)."""
    query = delete(VideoChunkRow).where(
        VideoChunkRow.session_id == session_id, VideoChunkRow.part == part
    )
    if below is not None:
        query = query.where(VideoChunkRow.index < below)
    db.execute(query)
    db.commit()


def session_bytes(
    db: Session,
    session_id: str,
    *,
    but_part_file: str | None = None,
    but_chunk: tuple[str, int] | None = None,
) -> int:
    """Bytes the session's recordings take: files and pending chunks, leaving out one chunk
    about to be replaced and one part's file about to be replaced, when given."""
    chunks = select(func.coalesce(func.sum(VideoChunkRow.size), 0)).where(
        VideoChunkRow.session_id == session_id
    )
    if but_chunk is not None:
        part, index = but_chunk
        chunks = chunks.where(~((VideoChunkRow.part == part) & (VideoChunkRow.index == index)))
    files = select(func.coalesce(func.sum(RecordingRow.size), 0)).where(
        RecordingRow.session_id == session_id
    )
    if but_part_file is not None:
        files = files.where(RecordingRow.part != but_part_file)
    return int(db.execute(chunks).scalar_one()) + int(db.execute(files).scalar_one())


def swap_file(
    db: Session,
    row_id: int,
    *,
    expected_chunks: int,
    expected_path: str | None,
    chunks: int,
    path: str,
    size: int,
    mime: str,
) -> bool:
    """Point the part at its new file, unless another request changed the part meanwhile
    (then False, and the caller throws its file away). One conditional UPDATE: atomic."""
    same_path = (
        RecordingRow.path.is_(None) if expected_path is None else RecordingRow.path == expected_path
    )
    result = db.execute(
        update(RecordingRow)
        .where(RecordingRow.id == row_id, RecordingRow.chunks == expected_chunks, same_path)
        .values(chunks=chunks, path=path, size=size, mime=mime, completed_at=utcnow())
    )
    db.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def set_times(
    db: Session, row_id: int, started_at: datetime | None, duration_s: float | None
) -> RecordingRow | None:
    """Fill in what the client said about the part: a start time only when none is known
    from the chunks' arrival, a duration when given."""
    row = db.get(RecordingRow, row_id, populate_existing=True)
    if row is None:
        return None
    if started_at is not None and row.started_at is None:
        row.started_at = started_at
    if duration_s is not None:
        row.duration_s = duration_s
    db.commit()
    return row


def abandoned_parts(db: Session, session_id: str, before: datetime) -> list[str]:
    """Parts with chunks waiting to be joined and none received since ``before``."""
    last = func.max(VideoChunkRow.received_at)
    return list(
        db.execute(
            select(VideoChunkRow.part)
            .where(VideoChunkRow.session_id == session_id)
            .group_by(VideoChunkRow.part)
            .having(last < before)
        ).scalars()
    )
