"""Redis goes down under two nodes (a private redis-server): each node says so in /healthz and
its logs, and keeps serving its own clients; when Redis returns, cross-node delivery resumes and
presence is whole again."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.cluster_fixtures import PrivateRedis, ServerProcess
from tests.server_fixtures import Peer, bearer, start_session

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


def wait_health(node: ServerProcess, redis: str, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body: dict[str, Any] = node.health().json()
        if body["redis"] == redis or time.monotonic() > deadline:
            return body
        time.sleep(0.2)


async def crosses(
    candidate: Peer, interviewer: Peer, sid: str, client_id: str, timeout: float = 1
) -> bool:
    """Whether an event stored through the candidate's node reaches the other node in time."""
    ack = await candidate.call("event", {"session_id": sid, "type": "copy_paste",
                                         "client_id": client_id})  # fmt: skip
    assert ack["ok"], ack  # stored: PostgreSQL is still there
    try:
        await interviewer.wait_for(
            "event", lambda e: e["id"] == ack["event"]["id"], timeout=timeout
        )
    except AssertionError:
        return False
    return True


async def test_nodes_ride_out_a_redis_outage(
    start_node: Callable[..., ServerProcess],
    pg_url: str,
    private_redis: PrivateRedis,
    peers: Any,
) -> None:
    opts = {"node_heartbeat_seconds": 0.5}
    a = start_node("node-a", pg_url, private_redis.url, **opts)
    b = start_node("node-b", pg_url, private_redis.url, **opts)
    s = start_session(httpx.Client(base_url=a.url), "Ada")
    sid, intv = s["session_id"], bearer(s["interviewer_token"])
    near = await peers(a.url, s["interviewer_token"])  # an interviewer on the candidate's node
    far = await peers(b.url, s["interviewer_token"])
    candidate = await peers(a.url, s["candidate_token"])
    for peer, role in ((near, "interviewer"), (far, "interviewer"), (candidate, "candidate")):
        assert (await peer.call("join", {"session_id": sid, "role": role}))["ok"]
    assert await crosses(candidate, far, sid, "before", timeout=10)

    private_redis.stop()
    for node in (a, b):
        body = wait_health(node, "down")
        assert body["redis"] == "down" and body["status"] == "degraded"
        assert node.health().status_code == 503
    down = [x for x in a.logs() if x["level"] == "error" and "redis unreachable" in x["message"]]
    assert down and down[0]["node"] == "node-a"

    # Node A goes on serving its own clients: events, scores and chat among them.
    ack = await candidate.call("event", {"session_id": sid, "type": "focus_lost", "client_id": "x"})
    assert ack["ok"], ack
    await near.wait_for("event", lambda e: e["id"] == ack["event"]["id"], timeout=10)
    assert (await candidate.call("chat", {"session_id": sid, "message": "still here"}))["ok"]
    await near.wait_for("chat", lambda m: m["message"] == "still here", timeout=10)
    assert a.health().json()["database"] == "ok"

    private_redis.start()  # the same port, and empty: it kept nothing
    for node in (a, b):
        assert wait_health(node, "ok")["status"] == "ok"
    for n in range(40):
        if await crosses(candidate, far, sid, f"after-{n}"):
            break
    else:
        pytest.fail("cross-node delivery did not resume")
    back = [x for x in a.logs() if "redis reachable again" in x["message"]]
    assert back and back[0]["level"] == "warning"
    # Presence is whole again: the nodes wrote theirs back into the empty Redis.
    for _ in range(50):
        got = httpx.get(f"{b.url}/sessions/{sid}", headers=intv).json()
        if len(got["participants"]) == 3:
            break
        await asyncio.sleep(0.2)
    roles = sorted(p["role"] for p in got["participants"])
    assert roles == ["candidate", "interviewer", "interviewer"]
