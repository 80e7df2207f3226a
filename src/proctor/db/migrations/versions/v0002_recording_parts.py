"""Recording parts: a session may hold several recordings (one per candidate page), each with
its own start time. A session's existing recording and upload chunks become part ``main``.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from proctor.db.models import UTCDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEGACY_PART = "main"


def _chunks_table(name: str, with_part: bool) -> None:
    columns: list[sa.Column[Any]] = [
        sa.Column(
            "session_id",
            sa.String(64),
            sa.ForeignKey("sessions.session_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("index", sa.Integer(), primary_key=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
    ]
    if with_part:
        columns.insert(1, sa.Column("part", sa.String(64), primary_key=True))
    op.create_table(name, *columns)


def upgrade() -> None:
    op.create_table(
        "recordings",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "session_id",
            sa.String(64),
            sa.ForeignKey("sessions.session_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("part", sa.String(64), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("path", sa.String(500), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mime", sa.String(64), nullable=True),
        sa.Column("chunks", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("session_id", "part", name="uq_recordings_session_part"),
    )
    op.execute(
        sa.text(
            "INSERT INTO recordings (session_id, part, path, size, mime, chunks, created_at,"
            " completed_at) SELECT session_id, :part, video_path, COALESCE(video_size, 0),"
            " video_mime, 0, started_at, COALESCE(ended_at, started_at)"
            " FROM sessions WHERE video_path IS NOT NULL"
        ).bindparams(part=LEGACY_PART)
    )
    # Plain ALTER TABLE (SQLite 3.35+): a batch copy of ``sessions`` would drop the table, and
    # with foreign keys on, SQLite would delete every event and message of it on the way.
    for column in ("video_path", "video_size", "video_mime"):
        op.drop_column("sessions", column)
    # The chunks' key gains the part: a new table, with the chunks of uploads in progress.
    _chunks_table("video_chunks_new", with_part=True)
    op.execute(
        sa.text(
            'INSERT INTO video_chunks_new (session_id, part, "index", size, received_at)'
            ' SELECT session_id, :part, "index", size, received_at FROM video_chunks'
        ).bindparams(part=LEGACY_PART)
    )
    op.drop_table("video_chunks")
    op.rename_table("video_chunks_new", "video_chunks")


def downgrade() -> None:
    # Back to one recording a session: the largest part stays, the others are forgotten.
    op.add_column("sessions", sa.Column("video_path", sa.String(500), nullable=True))
    op.add_column("sessions", sa.Column("video_size", sa.Integer(), nullable=True))
    op.add_column("sessions", sa.Column("video_mime", sa.String(64), nullable=True))
    op.execute(
        sa.text(
            "UPDATE sessions SET video_path = r.path, video_size = r.size, video_mime = r.mime"
            " FROM (SELECT session_id, path, size, mime, ROW_NUMBER() OVER (PARTITION BY"
            " session_id ORDER BY size DESC, id) AS n FROM recordings WHERE path IS NOT NULL) r"
            " WHERE r.session_id = sessions.session_id AND r.n = 1"
        )
    )
    _chunks_table("video_chunks_old", with_part=False)
    op.execute(
        sa.text(
            'INSERT INTO video_chunks_old (session_id, "index", size, received_at)'
            ' SELECT session_id, "index", size, received_at FROM video_chunks WHERE part = :part'
        ).bindparams(part=LEGACY_PART)
    )
    op.drop_table("video_chunks")
    op.rename_table("video_chunks_old", "video_chunks")
    op.drop_table("recordings")
