"""The outbox on SQLite and PostgreSQL: rows written with their event or not at all, only for
critical events, claimed by one sender at a time (rows locked elsewhere are skipped, not waited
for), retried later and later, and given back when a sender's lease runs out."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from proctor.alerts import outbox
from proctor.config import Settings
from proctor.db import repo
from proctor.db.engine import make_engine, make_sessionmaker
from proctor.db.migrate import upgrade
from proctor.db.models import AlertRow, EventRow, SessionRow, utcnow
from tests.server_fixtures import fresh_pg_schema


def make(database_url: str, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "DATABASE_URL": database_url,
        "data_dir": tmp_path,
        "alert_urls": ["json://127.0.0.1:9/a"],
        "alert_retry_seconds": 10,
        **overrides,
    }
    return Settings(**values)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make(database_url, tmp_path)


@pytest.fixture
def db(settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    yield make_sessionmaker(engine)
    engine.dispose()


def event(
    db: sessionmaker[Session], settings: Settings, type_: str, detail: str = "", **kw: Any
) -> tuple[int, int]:
    """Store an event the way the server does; its id and how many alerts it wrote."""
    written = 0

    def queue(s: Session, row: EventRow) -> None:
        nonlocal written
        written = outbox.enqueue(s, row, settings)

    with db() as s:
        ensure_session(s)
        row, _ = repo.add_event(
            s, "s1", role="candidate", name="Ada", type=type_, detail=detail, source="vision",
            then=queue, **kw,
        )  # fmt: skip
        return row.id, written


def ensure_session(s: Session) -> None:
    if s.get(SessionRow, "s1") is None:
        s.add(SessionRow(session_id="s1", name="Ada", interviewer_token_hash="i",
                         candidate_token_hash="c", settings={}))  # fmt: skip
        s.commit()


def alerts(db: sessionmaker[Session]) -> list[AlertRow]:
    with db() as s:
        return list(s.execute(select(AlertRow).order_by(AlertRow.id)).scalars())


def test_only_critical_events_write_alerts(db: sessionmaker[Session], settings: Settings) -> None:
    assert event(db, settings, "looking_away")[1] == 0
    assert event(db, settings, "object_detected", "book", confidence=0.9)[1] == 0
    assert event(db, settings, "object_detected", "cell_phone", confidence=0.41)[1] == 1
    assert event(db, settings, "object_detected", "extra_person")[1] == 1
    assert event(db, settings, "multiple_faces_detected", confidence=0.8)[1] == 1
    rules = {"object_detected:cell_phone": {"min_confidence": 0.5}}
    strict = make(str(settings.database_url), settings.data_dir, alert_events=rules)
    assert event(db, strict, "object_detected", "cell_phone", confidence=0.41)[1] == 0
    assert event(db, strict, "object_detected", "cell_phone", confidence=0.62)[1] == 1
    assert [a.payload["words"] for a in alerts(db)] == [
        "phone seen", "another person seen", "several faces in view", "phone seen",
    ]  # fmt: skip


def test_an_event_rolled_back_leaves_no_alert_and_the_reverse(
    db: sessionmaker[Session], settings: Settings
) -> None:
    with db() as s:
        ensure_session(s)

    def fail_after_queueing(s: Session, row: EventRow) -> None:
        assert outbox.enqueue(s, row, settings) == 1
        raise RuntimeError("the database went away")

    with db() as s, pytest.raises(RuntimeError):
        repo.add_event(
            s, "s1", role="candidate", name="Ada", type="object_detected", detail="cell_phone",
            source="vision", then=fail_after_queueing,
        )  # fmt: skip
    with db() as s:
        assert s.execute(select(EventRow)).first() is None
    assert alerts(db) == []


def test_no_face_waits_for_ten_seconds_and_is_skipped_when_shorter(
    db: sessionmaker[Session], settings: Settings
) -> None:
    start = utcnow() - timedelta(seconds=30)
    short, _ = event(db, settings, "no_face_detected", timestamp=start)
    long, _ = event(db, settings, "no_face_detected", timestamp=start)
    with db() as s:
        repo.end_event(s, short, start + timedelta(seconds=4))
        repo.end_event(s, long, start + timedelta(seconds=12))
        jobs = outbox.claim(s, settings, "n1")
    assert [j.payload["event"]["id"] for j in jobs] == [long]
    assert jobs[0].payload["duration_s"] == 12.0
    skipped = next(a for a in alerts(db) if a.event_id == short)
    assert skipped.status == "skipped" and "4.0 s" in (skipped.last_error or "")

    fresh, _ = event(db, settings, "no_face_detected")  # just began: due in 10 s
    with db() as s:
        assert outbox.claim(s, settings, "n1") == []
    assert [a.status for a in alerts(db) if a.event_id == fresh] == ["pending"]


def test_retries_back_off_then_fail_and_a_lost_lease_is_taken_over(
    db: sessionmaker[Session], settings: Settings
) -> None:
    settings = make(
        str(settings.database_url), settings.data_dir, alert_max_attempts=3, alert_retry_seconds=10
    )
    event(db, settings, "multiple_faces_detected")
    delays = []
    for _ in range(3):
        with db() as s:
            s.execute(update(AlertRow).values(next_attempt_at=utcnow()))
            s.commit()
            [job] = outbox.claim(s, settings, "n1")
            status = outbox.settle(s, settings, job, "HTTP 500")
            row = s.get(AlertRow, job.id)
            assert row is not None
            delays.append(round((row.next_attempt_at - utcnow()).total_seconds()))
    assert status == "failed" and delays[:2] == [10, 20]

    event(db, settings, "object_detected", "extra_person")
    with db() as s:
        [first] = outbox.claim(s, settings, "n1")
        assert outbox.claim(s, settings, "n2") == []  # n1 holds it
        s.execute(update(AlertRow).where(AlertRow.id == first.id).values(lease_until=utcnow()))
        s.commit()
        [second] = outbox.claim(s, settings, "n2")  # n1's lease ran out: n2 takes it
        assert outbox.settle(s, settings, first, None) == "lost"
        assert outbox.settle(s, settings, second, None) == "sent"


def test_concurrent_senders_claim_each_row_once(
    db: sessionmaker[Session], settings: Settings
) -> None:
    for _ in range(40):
        event(db, settings, "object_detected", "extra_person")
    settings = make(str(settings.database_url), settings.data_dir, alert_max_per_minute=100)

    def drain(node: str) -> list[int]:
        got: list[int] = []
        while True:
            with db() as s:
                jobs = outbox.claim(s, settings, node, limit=3)
            if not jobs:
                return got
            got += [j.id for j in jobs]

    with ThreadPoolExecutor(4) as pool:
        claimed = list(pool.map(drain, ["a", "b", "c", "d"]))
    ids = [i for part in claimed for i in part]
    sent = [a.id for a in alerts(db) if a.status != "held"]
    assert sorted(ids) == sorted(sent) and len(ids) == len(set(ids))


@pytest.fixture
def pg_settings(tmp_path: Path) -> Iterator[Settings]:
    with fresh_pg_schema() as url:
        yield make(url, tmp_path)


@pytest.mark.postgres
def test_postgres_skips_rows_another_server_has_locked(pg_settings: Settings) -> None:
    engine = make_engine(pg_settings.resolved_database_url)
    upgrade(engine)
    db = make_sessionmaker(engine)
    for _ in range(3):
        event(db, pg_settings, "object_detected", "extra_person")
    with db() as holder, db() as other:
        locked = holder.execute(
            select(AlertRow).order_by(AlertRow.id).limit(1).with_for_update()
        ).scalar_one()
        jobs = outbox.claim(other, pg_settings, "n2")  # returns at once, without the locked row
        assert sorted(j.id for j in jobs) == [locked.id + 1, locked.id + 2]
        holder.rollback()
    engine.dispose()
