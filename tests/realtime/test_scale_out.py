"""Two servers behind one database and Redis: the room spans both (Socket.IO Redis manager)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import redis

from tests.conftest import require
from tests.server_fixtures import LiveServer, bearer, start_session

REDIS_URL = "redis://127.0.0.1:6379/0"
pytestmark = pytest.mark.redis


def redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


async def test_events_and_chat_cross_servers(
    start_server: Callable[..., LiveServer], peers: Any
) -> None:
    require(redis_up(), f"Redis not reachable at {REDIS_URL}")
    channel = f"proctor-test-{secrets.token_hex(4)}"
    a = start_server(redis_url=REDIS_URL, redis_channel=channel)
    b = start_server(redis_url=REDIS_URL, redis_channel=channel)
    with httpx.Client(base_url=a.url) as http:
        assert http.get("/healthz").json()["redis"] == "ok"
        s = start_session(http, "Ada")
    sid = s["session_id"]
    interviewer = await peers(a.url, s["interviewer_token"])
    candidate = await peers(b.url, s["candidate_token"])
    assert (await interviewer.call("join", {"session_id": sid, "role": "interviewer"}))["ok"]
    assert (await candidate.call("join", {"session_id": sid, "role": "candidate"}))["ok"]

    ack = await candidate.call("event", {"session_id": sid, "type": "copy_paste", "client_id": "x"})
    assert ack["ok"], ack
    event = await interviewer.wait_for("event", timeout=20)
    assert event["id"] == ack["event"]["id"]
    assert (await interviewer.call("chat", {"session_id": sid, "message": "hello"}))["ok"]
    assert (await candidate.wait_for("chat", timeout=20))["message"] == "hello"

    # Ending on server A reaches the candidate on B, and B refuses its frames soon after.
    with httpx.Client(base_url=a.url) as http:
        assert http.post(f"/sessions/{sid}/end", headers=bearer(s["interviewer_token"])).is_success
    await candidate.wait_for("session_ended", timeout=20)
    b.ctx._status_checked.clear()  # skip the few seconds a server may trust its cached status
    ack = await candidate.call("chat", {"session_id": sid, "message": "late"})
    assert ack == {"ok": False, "error": "the session has ended"}


def test_health_says_when_redis_is_down(start_server: Callable[..., LiveServer]) -> None:
    live = start_server(redis_url="redis://127.0.0.1:1/0")
    with httpx.Client(base_url=live.url) as http:
        r = http.get("/healthz")
    assert r.status_code == 503 and r.json()["redis"] == "down"
