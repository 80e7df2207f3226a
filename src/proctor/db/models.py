"""Typed SQLAlchemy models. Times are stored and returned as timezone-aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are refused: use UTC-aware ones")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class SessionRow(Base):
    """One proctored session: a candidate, their interviewer(s), events and a recording."""

    __tablename__ = "sessions"

    session_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="active")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    interviewer_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    candidate_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Per-session overrides: {"score_weights": {...}, "candidate_notices": [...]}
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    recordings: Mapped[list[RecordingRow]] = relationship(order_by="RecordingRow.id", viewonly=True)


class EventRow(Base):
    """A finding: from the vision rules, the candidate's browser, or the interviewer."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("session_id", "client_id", name="uq_events_session_client"),
        Index("ix_events_session_time", "session_id", "timestamp"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("sessions.session_id", ondelete="CASCADE")
    )
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="")
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    duration_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    source: Mapped[str] = mapped_column(String(16))
    evidence_path: Mapped[str | None] = mapped_column(String(500), nullable=True)
    client_id: Mapped[str | None] = mapped_column(String(100), nullable=True)


class ChatRow(Base):
    __tablename__ = "chat_messages"
    __table_args__ = (
        UniqueConstraint("session_id", "client_id", name="uq_chat_session_client"),
        Index("ix_chat_session_time", "session_id", "timestamp"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("sessions.session_id", ondelete="CASCADE")
    )
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Chosen by the sending page, so a message resent after a lost ack is stored once.
    client_id: Mapped[str | None] = mapped_column(String(100), nullable=True)


class RecordingRow(Base):
    """One recording part: what one candidate page recorded, from its start to its end.

    A reloaded page starts a new part, so an earlier part is never overwritten. The row exists
    from the first chunk on (to keep the start time); ``path`` is set once chunks are joined.
    """

    __tablename__ = "recordings"
    __table_args__ = (UniqueConstraint("session_id", "part", name="uq_recordings_session_part"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("sessions.session_id", ondelete="CASCADE")
    )
    part: Mapped[str] = mapped_column(String(64))
    # When the recording's first frame was taken (server clock), and its length, when known.
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    duration_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    path: Mapped[str | None] = mapped_column(String(500), nullable=True)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    mime: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Chunks 0..chunks-1 are in the file (0: the file came whole, or there is none yet).
    chunks: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class VideoChunkRow(Base):
    """One received chunk of a recording part's upload; the same index again replaces it."""

    __tablename__ = "video_chunks"

    session_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("sessions.session_id", ondelete="CASCADE"), primary_key=True
    )
    part: Mapped[str] = mapped_column(String(64), primary_key=True)
    index: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AlertRow(Base):
    """One alert to send to one channel: written with its event, sent by the alert worker.

    ``channel`` names where it goes without holding the address (which may carry a password):
    ``webhook``, or ``operator:``/``session:`` and a hash of the Apprise URL. One row per event
    and channel, so an event is never alerted twice to the same place.
    """

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("event_id", "channel", name="uq_alerts_event_channel"),
        Index("ix_alerts_due", "status", "next_attempt_at"),
        Index("ix_alerts_session", "session_id", "channel", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("sessions.session_id", ondelete="CASCADE")
    )
    # None for a digest (it stands for the held alerts that point to it)
    event_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("events.id", ondelete="CASCADE"), nullable=True
    )
    channel: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(16), default="event")  # event | digest
    # pending → sending → sent | failed; held (over the rate limit) → digested; skipped
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Who holds a row being sent, and until when (a node that died lets go when it expires)
    claimed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    digest_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # What the alert says, fixed when it was written (candidate, event, link, evidence file)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class IdentityPhotoRow(Base):
    """The candidate's enrolment photo, or the interviewer's reference (ID) photo: the file
    (an evidence file of the session) and its face descriptor. The descriptor stays in the
    server: no API response or socket message carries it. One row per session and kind: a
    new photo replaces the last."""

    __tablename__ = "identity_photos"
    __table_args__ = (UniqueConstraint("session_id", "kind", name="uq_identity_photos_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("sessions.session_id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(16))  # enrolment | reference
    path: Mapped[str] = mapped_column(String(500))
    model: Mapped[str] = mapped_column(String(16))  # the descriptor's model (dlib)
    embedding: Mapped[bytes] = mapped_column(LargeBinary)  # float32, L2-normalised
    # The cheaper descriptor the live checks screen with (faceres), when it could be made
    screen_embedding: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    box: Mapped[list[float]] = mapped_column(JSON)  # the face, in the photo's pixels
    # Presentation-attack models' scores (advice to the interviewer only)
    spoof: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class IdentityCheckRow(Base):
    """One live comparison of the candidate's face with the enrolment (or reference) photo."""

    __tablename__ = "identity_checks"
    __table_args__ = (Index("ix_identity_checks_session_time", "session_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("sessions.session_id", ondelete="CASCADE")
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    against: Mapped[str] = mapped_column(String(16))  # enrolment | reference
    model: Mapped[str] = mapped_column(String(16))  # the descriptor that decided: faceres | dlib
    score: Mapped[float] = mapped_column(Float)
    same_person: Mapped[bool] = mapped_column(Boolean)
