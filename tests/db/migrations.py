"""Helpers for migration tests: an engine at a given revision, and moving it up or down."""

from __future__ import annotations

from typing import Any

from alembic import command
from sqlalchemy import Engine

from proctor.config import Settings
from proctor.db.engine import make_engine
from proctor.db.migrate import alembic_config, upgrade


def engine_at(database_url: str, revision: str) -> Engine:
    """An engine on a fresh database (the test's own) upgraded to ``revision``."""
    values: dict[str, Any] = {"DATABASE_URL": database_url}
    engine = make_engine(Settings(**values).resolved_database_url)
    upgrade(engine, revision)
    return engine


def migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)
