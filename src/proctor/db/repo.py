"""Repository functions: every read and write of the database goes through here.

Functions take an open SQLAlchemy session and commit their own writes, so a caller never
loses a stored row to a later failure.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeVar

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from proctor.db.models import (
    AlertRow,
    ChatRow,
    EventRow,
    IdentityCheckRow,
    IdentityPhotoRow,
    RecordingRow,
    SessionRow,
    VideoChunkRow,
    utcnow,
)

Role = Literal["interviewer", "candidate"]
ROLES: tuple[Role, ...] = ("interviewer", "candidate")

# Rows a client may send again (after a lost ack): stored once per session and client_id.
Keyed = TypeVar("Keyed", EventRow, ChatRow)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a token belongs to."""

    session_id: str
    role: Role


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_session_id() -> str:
    return secrets.token_hex(8)


def create_session(db: Session, name: str, settings: dict[str, Any]) -> tuple[SessionRow, str, str]:
    """A new active session; returns it with the interviewer's and the candidate's tokens."""
    interviewer, candidate = new_token(), new_token()
    row = SessionRow(
        session_id=new_session_id(),
        name=name,
        status="active",
        started_at=utcnow(),
        interviewer_token_hash=hash_token(interviewer),
        candidate_token_hash=hash_token(candidate),
        settings=settings,
    )
    db.add(row)
    db.commit()
    return row, interviewer, candidate


def reissue_candidate_token(db: Session, row: SessionRow) -> str:
    token = new_token()
    row.candidate_token_hash = hash_token(token)
    db.commit()
    return token


def principal_for_token(db: Session, token: str) -> Principal | None:
    """The session and role of ``token``, or None. Hashes are compared in constant time."""
    if not token or len(token) > 256:
        return None
    digest = hash_token(token)
    row = db.execute(
        select(
            SessionRow.session_id,
            SessionRow.interviewer_token_hash,
            SessionRow.candidate_token_hash,
        ).where(
            or_(
                SessionRow.interviewer_token_hash == digest,
                SessionRow.candidate_token_hash == digest,
            )
        )
    ).first()
    if row is None:
        return None
    if hmac.compare_digest(row.interviewer_token_hash, digest):
        return Principal(row.session_id, "interviewer")
    if hmac.compare_digest(row.candidate_token_hash, digest):
        return Principal(row.session_id, "candidate")
    return None


def get_session(db: Session, session_id: str) -> SessionRow | None:
    return db.get(SessionRow, session_id)


def end_session(db: Session, row: SessionRow, when: datetime | None = None) -> bool:
    """Mark the session ended; False when it already was (ending is idempotent)."""
    if row.status == "ended":
        return False
    row.status = "ended"
    row.ended_at = when or utcnow()
    db.commit()
    return True


def add_event(
    db: Session,
    session_id: str,
    *,
    role: str,
    name: str,
    type: str,
    detail: str,
    source: str,
    timestamp: datetime | None = None,
    confidence: float | None = None,
    evidence_path: str | None = None,
    client_id: str | None = None,
    then: Callable[[Session, EventRow], object] | None = None,
) -> tuple[EventRow, bool]:
    """Store an event; with a ``client_id`` already stored, return that one and False.

    ``then`` runs in the same transaction, once the new row has its id (the alerts outbox
    writes its rows there, so an event is never stored without them)."""
    row = EventRow(
        session_id=session_id,
        role=role,
        name=name,
        type=type,
        detail=detail,
        source=source,
        timestamp=timestamp or utcnow(),
        confidence=confidence,
        evidence_path=evidence_path,
        client_id=client_id,
    )
    return _store_once(db, row, then)


def _store_once(
    db: Session, row: Keyed, then: Callable[[Session, Keyed], object] | None = None
) -> tuple[Keyed, bool]:
    """Insert ``row``, or, when its ``client_id`` is already stored for its session (a resend),
    return the stored row and False. ``then`` runs before the commit, after a flush."""
    if row.client_id is not None:
        existing = _by_client_id(db, row)
        if existing is not None:
            return existing, False
    db.add(row)
    try:
        if then is not None:
            db.flush()
            then(db, row)
        db.commit()
    except IntegrityError:
        # The same client_id arrived twice at once: the other insert won.
        db.rollback()
        if row.client_id is not None:
            existing = _by_client_id(db, row)
            if existing is not None:
                return existing, False
        raise
    return row, True


def _by_client_id(db: Session, row: Keyed) -> Keyed | None:
    model = type(row)
    found: Keyed | None = db.execute(
        select(model).where(model.session_id == row.session_id, model.client_id == row.client_id)
    ).scalar_one_or_none()
    return found


def get_event(db: Session, session_id: str, event_id: int) -> EventRow | None:
    row = db.get(EventRow, event_id)
    return row if row is not None and row.session_id == session_id else None


def end_event(db: Session, event_id: int, ended_at: datetime) -> EventRow | None:
    """Close an open event with its duration; None when it is unknown or already closed."""
    row = db.get(EventRow, event_id)
    if row is None or row.ended_at is not None:
        return None
    ended_at = max(ended_at, row.timestamp)
    row.ended_at = ended_at
    row.duration_s = round((ended_at - row.timestamp).total_seconds(), 3)
    db.commit()
    return row


def end_open_vision_events(db: Session, session_id: str, when: datetime) -> list[EventRow]:
    """Close every vision or audio event still open (the session ended, or the server
    restarted)."""
    rows = list(
        db.execute(
            select(EventRow).where(
                EventRow.session_id == session_id,
                EventRow.source.in_(("vision", "audio")),  # the server's own, sustained events
                EventRow.ended_at.is_(None),
            )
        ).scalars()
    )
    for row in rows:
        row.ended_at = max(when, row.timestamp)
        row.duration_s = round((row.ended_at - row.timestamp).total_seconds(), 3)
    db.commit()
    return rows


def list_events(
    db: Session, session_id: str, *, type: str | None = None, since: datetime | None = None
) -> list[EventRow]:
    query = select(EventRow).where(EventRow.session_id == session_id)
    if type:
        query = query.where(EventRow.type == type)
    if since is not None:
        query = query.where(EventRow.timestamp >= since)
    return list(db.execute(query.order_by(EventRow.timestamp, EventRow.id)).scalars())


def event_types(db: Session, session_id: str) -> list[str]:
    return list(
        db.execute(select(EventRow.type).where(EventRow.session_id == session_id)).scalars()
    )


def event_counts(types: list[str]) -> dict[str, int]:
    return dict(sorted(Counter(types).items()))


def add_chat(
    db: Session,
    session_id: str,
    *,
    role: str,
    name: str,
    message: str,
    client_id: str | None = None,
) -> tuple[ChatRow, bool]:
    """Store a chat message; with a ``client_id`` already stored, return that one and False."""
    row = ChatRow(
        session_id=session_id,
        role=role,
        name=name,
        message=message,
        timestamp=utcnow(),
        client_id=client_id,
    )
    return _store_once(db, row)


def list_chat(db: Session, session_id: str) -> list[ChatRow]:
    return list(
        db.execute(
            select(ChatRow)
            .where(ChatRow.session_id == session_id)
            .order_by(ChatRow.timestamp, ChatRow.id)
        ).scalars()
    )


# Retention
def expired_session_ids(db: Session, cutoff: datetime) -> list[str]:
    """Sessions that ended before ``cutoff``, or never ended and started before it."""
    last = func.coalesce(SessionRow.ended_at, SessionRow.started_at)
    return list(
        db.execute(select(SessionRow.session_id).where(last < cutoff).order_by(last)).scalars()
    )


def all_session_ids(db: Session) -> set[str]:
    return set(db.execute(select(SessionRow.session_id)).scalars())


def row_counts(db: Session, session_id: str) -> dict[str, int]:
    """How many events, chat messages and upload chunks the session has."""
    counts = {}
    for key, model in (("events", EventRow), ("chat", ChatRow), ("chunks", VideoChunkRow)):
        query = select(func.count()).select_from(model).where(model.session_id == session_id)
        counts[key] = int(db.execute(query).scalar_one())
    return counts


def delete_session(db: Session, session_id: str) -> bool:
    """Delete the session and its rows (children first, whatever the foreign keys do);
    False when it was already gone."""
    children = (AlertRow, VideoChunkRow, RecordingRow, ChatRow, EventRow)
    for model in (*children, IdentityCheckRow, IdentityPhotoRow):
        db.execute(delete(model).where(model.session_id == session_id))
    gone = db.execute(delete(SessionRow).where(SessionRow.session_id == session_id))
    db.commit()
    return bool(gone.rowcount)  # type: ignore[attr-defined]
