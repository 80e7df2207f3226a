"""Migration 0003 on SQLite and PostgreSQL: chat messages gain a client id, unique per session;
stored messages stay, and come back on the way down."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from tests.db.migrations import NOW, add_session, engine_at, migrate

INSERT = (
    "INSERT INTO chat_messages (session_id, role, name, message, timestamp{columns})"
    " VALUES ('s1', 'candidate', 'Ada', :message, :now{values})"
)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = engine_at(database_url, "0002")
    with eng.begin() as conn:
        add_session(conn)
        conn.execute(text(INSERT.format(columns="", values="")), {"message": "before", "now": NOW})
    yield eng
    eng.dispose()


def test_chat_client_ids_are_unique_per_session_and_old_messages_stay(engine: Engine) -> None:
    migrate(engine, "0003")
    insert = text(INSERT.format(columns=", client_id", values=", :cid"))
    with engine.begin() as conn:
        conn.execute(insert, {"message": "one", "now": NOW, "cid": "m1"})
        conn.execute(insert, {"message": "no id", "now": NOW, "cid": None})
        conn.execute(insert, {"message": "no id again", "now": NOW, "cid": None})
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert, {"message": "one again", "now": NOW, "cid": "m1"})
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT message, client_id FROM chat_messages ORDER BY id"))
        assert [tuple(r) for r in rows] == [
            ("before", None),
            ("one", "m1"),
            ("no id", None),
            ("no id again", None),
        ]
    migrate(engine, "0002", down=True)
    with engine.connect() as conn:
        messages = conn.execute(text("SELECT message FROM chat_messages ORDER BY id")).scalars()
        assert list(messages) == ["before", "one", "no id", "no id again"]
