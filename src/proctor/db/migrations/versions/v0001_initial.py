"""Initial schema: sessions, events, chat messages, video chunks.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from proctor.db.models import UTCDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("session_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("video_path", sa.String(500), nullable=True),
        sa.Column("video_size", sa.Integer(), nullable=True),
        sa.Column("video_mime", sa.String(64), nullable=True),
        sa.Column("interviewer_token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("candidate_token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("settings", sa.JSON(), nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "session_id",
            sa.String(64),
            sa.ForeignKey("sessions.session_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("timestamp", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("evidence_path", sa.String(500), nullable=True),
        sa.Column("client_id", sa.String(100), nullable=True),
        sa.UniqueConstraint("session_id", "client_id", name="uq_events_session_client"),
    )
    op.create_index("ix_events_session_time", "events", ["session_id", "timestamp"])
    op.create_table(
        "chat_messages",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "session_id",
            sa.String(64),
            sa.ForeignKey("sessions.session_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("timestamp", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_chat_session_time", "chat_messages", ["session_id", "timestamp"])
    op.create_table(
        "video_chunks",
        sa.Column(
            "session_id",
            sa.String(64),
            sa.ForeignKey("sessions.session_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("index", sa.Integer(), primary_key=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("video_chunks")
    op.drop_index("ix_chat_session_time", table_name="chat_messages")
    op.drop_table("chat_messages")
    op.drop_index("ix_events_session_time", table_name="events")
    op.drop_table("events")
    op.drop_table("sessions")
