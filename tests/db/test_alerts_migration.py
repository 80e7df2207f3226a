"""Migration 0004 on SQLite and PostgreSQL: the alerts outbox table appears beside the stored
sessions and events, holds one row per event and channel, and goes away on the way down
without touching them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from tests.db.migrations import NOW, add_session, engine_at, migrate

ALERT = (
    "INSERT INTO alerts (session_id, event_id, channel, kind, status, attempts,"
    " next_attempt_at, created_at, payload)"
    " VALUES ('s1', :event, :channel, 'event', 'pending', 0, :now, :now, '{}')"
)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = engine_at(database_url, "0003")
    with eng.begin() as conn:
        add_session(conn)
        conn.execute(
            text(
                "INSERT INTO events (session_id, role, name, type, detail, timestamp, source)"
                " VALUES ('s1', 'candidate', 'Ada', 'object_detected', 'cell_phone', :now,"
                " 'vision')"
            ),
            {"now": NOW},
        )
    yield eng
    eng.dispose()


def test_the_outbox_comes_and_goes_and_the_events_stay(engine: Engine) -> None:
    assert "alerts" not in inspect(engine).get_table_names()
    migrate(engine, "0004")
    with engine.begin() as conn:
        event = conn.execute(text("SELECT id FROM events")).scalar_one()
        conn.execute(text(ALERT), {"event": event, "channel": "webhook", "now": NOW})
        conn.execute(text(ALERT), {"event": event, "channel": "operator:ab12", "now": NOW})
    # The same event twice to one channel is refused: an alert is written once per event.
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text(ALERT), {"event": event, "channel": "webhook", "now": NOW})
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alerts")).scalar_one() == 2

    migrate(engine, "0003", down=True)
    assert "alerts" not in inspect(engine).get_table_names()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM events")).scalar_one() == 1
        assert conn.execute(text("SELECT count(*) FROM sessions")).scalar_one() == 1
