"""Migration 0005 on SQLite and PostgreSQL: the identity photo and check tables appear beside
the stored sessions, hold one photo per session and kind (descriptor bytes intact), and go away
on the way down without touching the sessions."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from tests.db.migrations import NOW, add_session, engine_at, migrate

PHOTO = (
    "INSERT INTO identity_photos (session_id, kind, path, model, embedding, box, spoof,"
    " created_at) VALUES ('s1', :kind, 'evidence/s1/a.jpg', 'dlib', :embedding, '[1, 2, 3, 4]',"
    " '{}', :now)"
)
CHECK = (
    "INSERT INTO identity_checks (session_id, at, against, model, score, same_person)"
    " VALUES ('s1', :now, 'enrolment', 'faceres', 0.95, :same)"
)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = engine_at(database_url, "0004")
    with eng.begin() as conn:
        add_session(conn)
    yield eng
    eng.dispose()


def test_the_identity_tables_come_and_go_and_the_sessions_stay(engine: Engine) -> None:
    tables = inspect(engine).get_table_names()
    assert "identity_photos" not in tables and "identity_checks" not in tables
    migrate(engine, "0005")
    embedding = np.linspace(-1, 1, 128, dtype=np.float32).tobytes()
    with engine.begin() as conn:
        conn.execute(text(PHOTO), {"kind": "enrolment", "embedding": embedding, "now": NOW})
        conn.execute(text(PHOTO), {"kind": "reference", "embedding": embedding, "now": NOW})
        conn.execute(text(CHECK), {"now": NOW, "same": True})
        conn.execute(text(CHECK), {"now": NOW, "same": False})
    # A second enrolment row for the session is refused: a new photo replaces the last.
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text(PHOTO), {"kind": "enrolment", "embedding": embedding, "now": NOW})
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT embedding FROM identity_photos LIMIT 1")).scalar_one()
        assert bytes(stored) == embedding
        results = conn.execute(text("SELECT same_person FROM identity_checks ORDER BY id"))
        assert [bool(r) for (r,) in results] == [True, False]

    migrate(engine, "0004", down=True)
    tables = inspect(engine).get_table_names()
    assert "identity_photos" not in tables and "identity_checks" not in tables
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM sessions")).scalar_one() == 1
