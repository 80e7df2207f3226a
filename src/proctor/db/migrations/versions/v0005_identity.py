"""Identity: the enrolment and reference photos' rows (file and face descriptor) and the live
identity checks (time, score, result).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from proctor.db.models import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _session_id() -> sa.Column[str]:
    return sa.Column(
        "session_id",
        sa.String(64),
        sa.ForeignKey("sessions.session_id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "identity_photos",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _session_id(),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("path", sa.String(500), nullable=False),
        sa.Column("model", sa.String(16), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=False),
        sa.Column("screen_embedding", sa.LargeBinary(), nullable=True),
        sa.Column("box", sa.JSON(), nullable=False),
        sa.Column("spoof", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("session_id", "kind", name="uq_identity_photos_kind"),
    )
    op.create_table(
        "identity_checks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _session_id(),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("against", sa.String(16), nullable=False),
        sa.Column("model", sa.String(16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("same_person", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_identity_checks_session_time", "identity_checks", ["session_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_identity_checks_session_time", table_name="identity_checks")
    op.drop_table("identity_checks")
    op.drop_table("identity_photos")
