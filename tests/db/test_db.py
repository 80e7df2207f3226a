"""The database layer on SQLite and PostgreSQL: migrations, pragmas, repository functions."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from threading import Barrier
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from proctor.config import Settings
from proctor.db import repo
from proctor.db.engine import make_engine, make_sessionmaker
from proctor.db.migrate import current_revision, head_revision, upgrade
from proctor.db.models import Base


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    values: dict[str, Any] = {"DATABASE_URL": database_url}
    url = Settings(**values).resolved_database_url
    eng = make_engine(url)
    upgrade(eng)
    yield eng
    eng.dispose()


def test_upgrade_creates_the_schema_and_is_idempotent(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    upgrade(engine)  # again: nothing to do
    tables = set(inspect(engine).get_table_names())
    assert {"sessions", "events", "chat_messages", "video_chunks", "alembic_version"} <= tables


def test_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_downgrade_and_upgrade_again(engine: Engine) -> None:
    from alembic import command

    from proctor.db.migrate import alembic_config

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert "sessions" not in inspect(engine).get_table_names()
    upgrade(engine)
    assert "sessions" in inspect(engine).get_table_names()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10_000
    engine.dispose()


def test_tokens_resolve_to_session_and_role(engine: Engine) -> None:
    sessions = make_sessionmaker(engine)
    with sessions() as db:
        row, interviewer, candidate = repo.create_session(db, "Ada", {})
        assert repo.principal_for_token(db, interviewer) == repo.Principal(
            row.session_id, "interviewer"
        )
        assert repo.principal_for_token(db, candidate) == repo.Principal(
            row.session_id, "candidate"
        )
        assert repo.principal_for_token(db, interviewer + "x") is None
        assert repo.principal_for_token(db, "") is None
        assert repo.principal_for_token(db, "x" * 1000) is None


def test_times_round_trip_as_utc_and_events_get_durations(engine: Engine) -> None:
    sessions = make_sessionmaker(engine)
    start = datetime(2026, 11, 25, 11, 40, 0, 123000, tzinfo=UTC)
    with sessions() as db:
        row, _, _ = repo.create_session(db, "Ada", {})
        event, created = repo.add_event(
            db,
            row.session_id,
            role="candidate",
            name="Ada",
            type="looking_away",
            detail="",
            source="vision",
            timestamp=start,
        )
        assert created
        ended = repo.end_event(db, event.id, start + timedelta(seconds=10))
        assert ended is not None and ended.duration_s == 10.0
        assert repo.end_event(db, event.id, start + timedelta(seconds=20)) is None  # already ended
    with sessions() as db:
        again = repo.list_events(db, row.session_id)[0]
        assert again.timestamp == start and again.timestamp.tzinfo is not None
        assert again.ended_at == start + timedelta(seconds=10)


def test_the_same_client_id_at_once_is_stored_once(engine: Engine) -> None:
    sessions = make_sessionmaker(engine)
    with sessions() as db:
        row, _, _ = repo.create_session(db, "Ada", {})
    session_id = row.session_id

    def add(_: int) -> int:
        with sessions() as db:
            event, _ = repo.add_event(
                db,
                session_id,
                role="candidate",
                name="Ada",
                type="focus_lost",
                detail="",
                source="browser",
                client_id="same",
            )
            return event.id

    with ThreadPoolExecutor(max_workers=6) as pool:
        ids = set(pool.map(add, range(12)))
    assert len(ids) == 1
    with sessions() as db:
        assert len(repo.list_events(db, session_id)) == 1


def test_open_vision_events_are_closed_at_session_end(engine: Engine) -> None:
    sessions = make_sessionmaker(engine)
    t0 = datetime.now(UTC)
    with sessions() as db:
        row, _, _ = repo.create_session(db, "Ada", {})
        repo.add_event(
            db,
            row.session_id,
            role="candidate",
            name="Ada",
            type="no_face_detected",
            detail="",
            source="vision",
            timestamp=t0,
        )
        repo.add_event(
            db,
            row.session_id,
            role="candidate",
            name="Ada",
            type="copy_paste",
            detail="",
            source="browser",
            timestamp=t0,
        )
        closed = repo.end_open_vision_events(db, row.session_id, t0 + timedelta(seconds=3))
        assert [e.type for e in closed] == ["no_face_detected"] and closed[0].duration_s == 3.0
        assert repo.end_open_vision_events(db, row.session_id, t0) == []


@pytest.mark.timeout(60)  # without the migration lock the upgrades can wait on each other
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_servers_starting_together_upgrade_a_new_database_once(database_url: str) -> None:
    """Several nodes started at once on an empty PostgreSQL schema: none fails its upgrade."""
    by_alias: dict[str, Any] = {"DATABASE_URL": database_url}  # the variable's own name
    url = Settings(**by_alias).resolved_database_url
    engines = [make_engine(url) for _ in range(3)]
    barrier = Barrier(len(engines))

    def start(eng: Engine) -> str | None:
        barrier.wait()
        upgrade(eng)
        return current_revision(eng)

    try:
        with ThreadPoolExecutor(len(engines)) as pool:
            revisions = list(pool.map(start, engines))
    finally:
        for eng in engines:
            eng.dispose()
    assert revisions == [head_revision()] * len(engines)
