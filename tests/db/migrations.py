"""Helpers for migration tests: an engine at a given revision holding one session, and moving
it up or down."""

from __future__ import annotations

from typing import Any

from alembic import command
from sqlalchemy import Connection, Engine, text

from proctor.config import Settings
from proctor.db.engine import make_engine
from proctor.db.migrate import alembic_config, upgrade


def engine_at(database_url: str, revision: str) -> Engine:
    """An engine on a fresh database (the test's own) upgraded to ``revision``."""
    values: dict[str, Any] = {"DATABASE_URL": database_url}
    engine = make_engine(Settings(**values).resolved_database_url)
    upgrade(engine, revision)
    return engine


NOW = "2026-01-01 10:00:00"


def add_session(conn: Connection, session_id: str = "s1") -> None:
    """One stored session (columns every revision since 0002 has), started at ``NOW``."""
    conn.execute(
        text(
            "INSERT INTO sessions (session_id, name, status, started_at,"
            " interviewer_token_hash, candidate_token_hash, settings)"
            " VALUES (:sid, 'Ada', 'active', :now, :i, :c, '{}')"
        ),
        {"sid": session_id, "now": NOW, "i": f"i-{session_id}", "c": f"c-{session_id}"},
    )


def migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)
