"""SQLite (WAL) survives a SIGKILL of the server in the middle of writes: the database opens,
passes its integrity check and holds every acknowledged event and chat message."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.cluster.outbox import Outbox
from tests.cluster_fixtures import ServerProcess
from tests.server_fixtures import bearer, start_session

pytestmark = pytest.mark.slow
UNLIMITED = {"message_rate_per_s": 1000, "message_burst": 1000}


async def test_sqlite_survives_a_kill_mid_write(
    start_node: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    db_file = tmp_path / "proctor.db"
    node = start_node("solo", f"sqlite:///{db_file}", **UNLIMITED)
    s = start_session(httpx.Client(base_url=node.url), "Ada")
    sid = s["session_id"]
    writers = [Outbox(sid, s["candidate_token"]) for _ in range(3)]
    writers.append(Outbox(sid, s["interviewer_token"], role="interviewer"))
    for w in writers:
        await w.connect(node.url)

    async def write(i: int, w: Outbox) -> None:
        n = 0
        while w.sio is not None and w.sio.connected:
            await asyncio.gather(
                w.send(f"w{i}-{n}", "focus_lost" if i < 3 else "manual"), w.chat(f"w{i}-chat-{n}")
            )
            n += 1

    tasks = [asyncio.create_task(write(i, w)) for i, w in enumerate(writers)]
    while sum(len(w.acked) for w in writers) < 150:
        await asyncio.sleep(0.01)
    node.kill()
    await asyncio.wait_for(asyncio.gather(*tasks), 30)

    with sqlite3.connect(db_file) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        client_ids = [r[0] for r in db.execute("SELECT client_id FROM events")]
        chats = {r[0] for r in db.execute("SELECT message FROM chat_messages")}
    acked = {c for w in writers for c in w.acked}
    assert acked <= set(client_ids) and len(client_ids) == len(set(client_ids))
    assert {m for w in writers for m in w.chats_acked} <= chats

    # The server starts again on that database and serves what it holds.
    node.start()
    got = httpx.get(f"{node.url}/sessions/{sid}/events", headers=bearer(s["interviewer_token"]))
    assert got.status_code == 200 and {e["client_id"] for e in got.json()} == set(client_ids)
