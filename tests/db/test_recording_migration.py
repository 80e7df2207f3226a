"""Migration 0002 on SQLite and PostgreSQL: a session's recording and upload chunks of the one-
recording schema become part ``main``; nothing else of the session is touched; and back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from tests.db.migrations import engine_at, migrate

NOW = "2026-01-01 10:00:00"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = engine_at(database_url, "0001")
    yield eng
    eng.dispose()


def test_the_one_recording_becomes_part_main_and_comes_back(engine: Engine) -> None:
    with engine.begin() as conn:
        for sid, video in (("s1", "videos/s1-abc.webm"), ("s2", None)):
            conn.execute(
                text(
                    "INSERT INTO sessions (session_id, name, status, started_at, video_path,"
                    " video_size, video_mime, interviewer_token_hash, candidate_token_hash,"
                    " settings) VALUES (:sid, 'Ada', 'active', :now, :video, 1234, 'video/webm',"
                    " :ih, :ch, '{}')"
                ),
                {"sid": sid, "now": NOW, "video": video, "ih": f"i{sid}", "ch": f"c{sid}"},
            )
        conn.execute(
            text(
                "INSERT INTO events (session_id, role, name, type, detail, timestamp, source)"
                " VALUES ('s1', 'candidate', 'Ada', 'focus_lost', '', :now, 'browser')"
            ),
            {"now": NOW},
        )
        conn.execute(
            text(
                'INSERT INTO video_chunks (session_id, "index", size, received_at)'
                " VALUES ('s2', 0, 10, :now), ('s2', 1, 20, :now)"
            ),
            {"now": NOW},
        )

    migrate(engine, "0002")
    with engine.connect() as conn:
        parts = conn.execute(
            text("SELECT session_id, part, path, size, mime, chunks FROM recordings")
        ).all()
        assert [tuple(p) for p in parts] == [
            ("s1", "main", "videos/s1-abc.webm", 1234, "video/webm", 0)
        ]
        chunks = conn.execute(
            text('SELECT session_id, part, "index", size FROM video_chunks ORDER BY "index"')
        ).all()
        assert [tuple(c) for c in chunks] == [("s2", "main", 0, 10), ("s2", "main", 1, 20)]
        # Dropping the columns of ``sessions`` deleted none of its rows or their events.
        assert conn.execute(text("SELECT count(*) FROM sessions")).scalar_one() == 2
        assert conn.execute(text("SELECT count(*) FROM events")).scalar_one() == 1

    migrate(engine, "0001", down=True)
    with engine.connect() as conn:
        back = conn.execute(
            text("SELECT session_id, video_path, video_size FROM sessions ORDER BY session_id")
        ).all()
        assert [tuple(b) for b in back] == [("s1", "videos/s1-abc.webm", 1234), ("s2", None, None)]
        chunks = conn.execute(text('SELECT session_id, "index" FROM video_chunks')).all()
        assert sorted(tuple(c) for c in chunks) == [("s2", 0), ("s2", 1)]
        assert conn.execute(text("SELECT count(*) FROM events")).scalar_one() == 1
