"""A node killed with SIGKILL mid-session (two nodes on PostgreSQL and Redis): the candidate
reconnects to the other node, then to the restarted one, sends again what was not acknowledged,
and the session holds every acknowledged event once; the interviewer got each of them live."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.cluster.outbox import Outbox
from tests.cluster_fixtures import ServerProcess
from tests.server_fixtures import bearer, start_session

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


async def test_a_killed_node_loses_no_acknowledged_event(
    start_node: Callable[..., ServerProcess], pg_url: str, shared_redis: str, peers: Any
) -> None:
    # The outbox sends as fast as acks come back: the per-connection limit is not under test
    fast = {"message_rate_per_s": 1000, "message_burst": 10_000}
    a = start_node("node-a", pg_url, shared_redis, **fast)
    b = start_node("node-b", pg_url, shared_redis, **fast)
    s = start_session(httpx.Client(base_url=b.url), "Ada")
    sid = s["session_id"]
    interviewer = await peers(b.url, s["interviewer_token"])
    assert (await interviewer.call("join", {"session_id": sid, "role": "interviewer"}))["ok"]
    outbox = Outbox(sid, s["candidate_token"])
    await outbox.connect(a.url)

    pump = asyncio.create_task(outbox.pump("a-"))
    while len(outbox.acked) < 40:
        await asyncio.sleep(0.01)
    a.kill()  # events are in flight: some stored and unacked, some not stored at all
    await asyncio.wait_for(pump, 30)
    acked_before_kill = dict(outbox.acked)

    await outbox.connect(b.url)  # the other node
    await outbox.flush()
    assert not outbox.pending
    await outbox.pump("b-", limit=20)
    a.start()  # the same node again, on its port
    await outbox.connect(a.url)
    await outbox.pump("c-", limit=20)
    await outbox.send("a-0")  # an old one again: still stored once
    await outbox.close()

    events = httpx.get(f"{b.url}/sessions/{sid}/events", headers=bearer(s["interviewer_token"]))
    stored = events.json()
    counts = Counter(e["client_id"] for e in stored)
    assert max(counts.values()) == 1  # none duplicated
    assert set(counts) == set(outbox.acked)  # every acknowledged event, nothing else
    assert all(outbox.acked[c] == acked_before_kill[c] for c in acked_before_kill)
    # Live: the interviewer on B got every stored event (a resend re-announces a stored one).
    ids = {e["id"] for e in stored}
    for _ in range(100):
        if ids <= {e["id"] for e in interviewer.of("event")}:
            break
        await asyncio.sleep(0.1)
    assert ids <= {e["id"] for e in interviewer.of("event")}
