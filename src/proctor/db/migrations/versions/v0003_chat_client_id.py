"""Chat messages carry the sending page's id, so a message resent after a lost ack is stored
once (as browser events already are).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Batch mode: SQLite cannot add a constraint to a table, so it copies the table.
    with op.batch_alter_table("chat_messages") as batch:
        batch.add_column(sa.Column("client_id", sa.String(100), nullable=True))
        batch.create_unique_constraint("uq_chat_session_client", ["session_id", "client_id"])


def downgrade() -> None:
    with op.batch_alter_table("chat_messages") as batch:
        batch.drop_constraint("uq_chat_session_client", type_="unique")
        batch.drop_column("client_id")
