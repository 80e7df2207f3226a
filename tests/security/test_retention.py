"""Deleting data: the interviewer's DELETE of a session, ``proctor purge``, and the daily purge
inside the server with the retention the browser is told about.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
from sqlalchemy import MetaData, select, text, update

from proctor.db import repo
from proctor.db.models import EventRow, SessionRow, utcnow
from proctor.retention import ADVISORY_LOCK_KEY
from tests.server_fixtures import LiveServer, bearer, start_session

WEBM = b"\x1a\x45\xdf\xa3" + b"\x01" * 3000
DAY = 86_400


def jpeg() -> bytes:
    ok, data = cv2.imencode(".jpg", np.full((48, 64, 3), 90, np.uint8))
    assert ok
    return bytes(data.tobytes())


def full_session(live: LiveServer, http: httpx.Client, name: str) -> dict[str, Any]:
    """A session with events (one with evidence), chat, a recording and a partial upload."""
    s = start_session(http, name)
    sid, cand = s["session_id"], bearer(s["candidate_token"])
    event = http.post("/log", json={"session_id": sid, "type": "focus_lost"}, headers=cand).json()
    evidence = live.ctx.storage.save_evidence(sid, jpeg())
    with live.ctx.sessions() as db:
        db.execute(
            update(EventRow).where(EventRow.id == event["id"]).values(evidence_path=evidence)
        )
        repo.add_chat(db, sid, role="candidate", name=name, message="hello", client_id="c1")
    files = {"file": ("r.webm", WEBM, "video/webm")}
    r = http.post("/upload-video", data={"session_id": sid}, files=files, headers=cand)
    assert r.status_code == 201
    r = http.put(f"/sessions/{sid}/video/chunks/0", content=WEBM, headers=cand)
    assert r.status_code == 201
    return s


def rows_of(live: LiveServer, session_id: str) -> int:
    """Rows of any table that mention the session."""
    found = 0
    with live.ctx.engine.connect() as conn:
        tables = MetaData()
        tables.reflect(conn)
        for table in tables.tables.values():
            if "session_id" in table.c:
                query = select(table).where(table.c.session_id == session_id)
                found += len(conn.execute(query).all())
    return found


def files_of(live: LiveServer, session_id: str) -> list[Path]:
    return [p for p in live.settings.data_dir.rglob("*") if session_id in str(p) and p.is_file()]


def age(live: LiveServer, session_id: str, *, started: float, ended: float | None) -> None:
    """Move the session's start and end the given days into the past."""
    now = utcnow()
    values: dict[str, Any] = {"started_at": now - timedelta(days=started)}
    if ended is not None:
        values |= {"ended_at": now - timedelta(days=ended), "status": "ended"}
    with live.ctx.sessions() as db:
        db.execute(update(SessionRow).where(SessionRow.session_id == session_id).values(**values))
        db.commit()


def test_interviewer_deletes_an_ended_session_entirely(
    server: LiveServer, http: httpx.Client
) -> None:
    s, keep = full_session(server, http, "Ada"), full_session(server, http, "Bob")
    sid, intv = s["session_id"], bearer(s["interviewer_token"])
    assert rows_of(server, sid) >= 4 and len(files_of(server, sid)) == 3
    assert http.delete(f"/sessions/{sid}", headers=bearer(s["candidate_token"])).status_code == 403
    r = http.delete(f"/sessions/{sid}", headers=intv)
    assert r.status_code == 409 and "end the session" in r.json()["detail"]
    assert http.post(f"/sessions/{sid}/end", headers=intv).status_code == 200
    r = http.delete(f"/sessions/{sid}", headers=intv)
    assert r.status_code == 204 and r.content == b""
    assert rows_of(server, sid) == 0 and files_of(server, sid) == []
    for path in (f"/sessions/{sid}", f"/report/{sid}", f"/sessions/{sid}/video"):
        assert http.get(path, headers=intv).status_code == 401  # its tokens died with it
    assert http.delete(f"/sessions/{sid}", headers=intv).status_code == 401
    other = keep["session_id"]
    assert rows_of(server, other) >= 4 and len(files_of(server, other)) == 3
    r = http.get(f"/sessions/{other}/video", headers=bearer(keep["interviewer_token"]))
    assert r.content == WEBM


def purge_cli(live: LiveServer, database_url: str, *args: str) -> str:
    env = {
        **os.environ,
        "PROCTOR_DATA_DIR": str(live.settings.data_dir),
        "DATABASE_URL": database_url,
    }
    done = subprocess.run(
        [sys.executable, "-m", "proctor.cli", "purge", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_purge_command_deletes_sessions_past_retention(
    server: LiveServer, http: httpx.Client, database_url: str
) -> None:
    old_ended = full_session(server, http, "Old")["session_id"]
    old_open = full_session(server, http, "Abandoned")["session_id"]
    long_but_recent = full_session(server, http, "Long")["session_id"]
    fresh = full_session(server, http, "Fresh")["session_id"]
    age(server, old_ended, started=41, ended=40)
    age(server, old_open, started=35, ended=None)
    age(server, long_but_recent, started=60, ended=2)
    storage = server.ctx.storage
    orphan = storage.evidence_dir / "0123456789abcdef" / "lost.jpg"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(jpeg())
    recent_orphan = storage.videos_dir / "fedcba9876543210-0a0b.webm"
    recent_orphan.write_bytes(WEBM)  # its session may still be on its way to the database
    stale = storage.tmp_dir / "abandoned.part"
    stale.write_bytes(b"x" * 100)
    old = time.time() - 45 * DAY
    os.utime(orphan, (old, old))
    os.utime(stale, (old, old))

    out = purge_cli(server, database_url, "--older-than", "30", "--dry-run")
    assert f"would delete session {old_ended}: 1 event(s), 1 chat message(s)" in out
    assert f"would delete session {old_open}" in out
    assert "would delete 2 session(s)" in out and "1 orphan file(s), 1 stale upload(s)" in out
    assert rows_of(server, old_ended) > 0 and orphan.exists() and stale.exists()

    out = purge_cli(server, database_url, "--older-than", "30")
    assert f"deleted session {old_ended}: 1 event(s), 1 chat message(s), 1 evidence file(s)" in out
    assert "deleted 2 session(s), 2 event(s), 2 chat message(s), 2 evidence file(s)" in out
    for sid in (old_ended, old_open):
        assert rows_of(server, sid) == 0 and files_of(server, sid) == [], sid
    for sid in (long_but_recent, fresh):
        assert rows_of(server, sid) >= 4 and len(files_of(server, sid)) == 3, sid
    assert not orphan.exists() and not orphan.parent.exists() and not stale.exists()
    assert recent_orphan.exists()
    again = purge_cli(server, database_url, "--older-than", "30")
    assert "deleted 0 session(s)" in again


def test_the_server_purges_by_itself_with_the_advertised_retention(
    start_server: Callable[..., LiveServer],
) -> None:
    live = start_server(retention_days=7, retention_check_seconds=0.3)
    retention: Any = live.app.retention
    with httpx.Client(base_url=live.url, timeout=60) as http:
        assert http.get("/client-config").json()["retention_days"] == 7
        expired = full_session(live, http, "Expired")["session_id"]
        kept = full_session(live, http, "Kept")["session_id"]
        age(live, expired, started=9, ended=8)
        age(live, kept, started=7, ended=6)
        runs = retention.runs
        deadline = time.monotonic() + 60
        while rows_of(live, expired) or retention.runs < runs + 2:
            assert time.monotonic() < deadline, "the daily purge did not run"
            time.sleep(0.1)
        assert files_of(live, expired) == []
        assert rows_of(live, kept) >= 4 and len(files_of(live, kept)) == 3
        assert http.get("/healthz").status_code == 200


def test_one_server_at_a_time_runs_the_purge(start_server: Callable[..., LiveServer]) -> None:
    live = start_server(retention_days=1)
    retention: Any = live.app.retention
    with httpx.Client(base_url=live.url, timeout=60) as http:
        sid = full_session(live, http, "Old")["session_id"]
    age(live, sid, started=3, ended=2)
    if live.ctx.engine.dialect.name == "postgresql":
        # Another server holds the lock: this one leaves the work to it.
        with live.ctx.engine.connect() as other_server:
            key = {"key": ADVISORY_LOCK_KEY}
            other_server.execute(text("SELECT pg_advisory_lock(:key)"), key)
            assert retention.run_once() is None
            assert rows_of(live, sid) > 0
            other_server.execute(text("SELECT pg_advisory_unlock(:key)"), key)
            other_server.commit()
    done = retention.run_once()
    assert done is not None and done.sessions == [sid]
    assert rows_of(live, sid) == 0
