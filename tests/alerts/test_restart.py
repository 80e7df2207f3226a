"""Alerts survive a crash and are sent once: a server killed (SIGKILL) after storing a critical
event but before sending its alert sends it after a restart, once; servers sharing PostgreSQL
send each alert exactly once between them."""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.alerts.receivers import HttpReceiver, wait_until
from tests.cluster_fixtures import ServerProcess
from tests.server_fixtures import bearer, start_session

pytestmark = pytest.mark.slow
PASSWORD = "pw-7Hq2xZ"
ALERTS = {"alert_events": "manual", "alert_poll_seconds": 0.1, "alert_max_per_minute": 100}


def log_manual(node: ServerProcess, s: dict[str, str], detail: str) -> int:
    r = httpx.post(
        f"{node.url}/log",
        json={"session_id": s["session_id"], "type": "manual", "detail": detail},
        headers=bearer(s["interviewer_token"]),
        timeout=30,
    )
    assert r.status_code == 201, r.text
    event_id: int = r.json()["id"]
    return event_id


def test_a_killed_server_sends_the_alert_after_restart_once(
    start_node: Callable[..., ServerProcess], receiver: HttpReceiver, tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'proctor.db'}"
    url = receiver.url("json").replace("://", f"://alice:{PASSWORD}@")
    receiver.fail_first = 1  # one failed attempt, logged: the logs still hold no password
    # This node writes alerts but does not send them: killed, it leaves one unsent in the outbox.
    node = start_node("solo", db, alert_urls=url, alert_sender="false", **ALERTS)
    s = start_session(httpx.Client(base_url=node.url), "Ada")
    log_manual(node, s, "someone else answered a question")
    time.sleep(1.0)
    node.kill()
    assert receiver.requests == []

    # The same database, sending this time
    again = start_node("solo", db, alert_urls=url, alert_retry_seconds=0.2, **ALERTS)
    wait_until(lambda: len(receiver.delivered()) == 1, what="the alert after the restart")
    time.sleep(2.0)
    assert [r.answered for r in receiver.requests] == [500, 200]
    assert "someone else answered a question" in receiver.requests[1].json()["message"]
    logs = again.log_path.read_text()
    assert "will retry" in logs and PASSWORD not in logs


def test_servers_sharing_postgres_send_each_alert_once(
    start_node: Callable[..., ServerProcess],
    receiver: HttpReceiver,
    pg_url: str,
    shared_redis: str,
) -> None:
    url = receiver.url("http", "/webhook")
    hook = {"webhook_url": url, "webhook_secret": "shared-secret", **ALERTS}
    nodes = [start_node(name, pg_url, shared_redis, **hook) for name in ("a", "b", "c")]
    s = start_session(httpx.Client(base_url=nodes[0].url), "Ada")
    ids = [log_manual(nodes[i % 3], s, f"note {i}") for i in range(30)]
    wait_until(lambda: len(receiver.delivered()) >= 30, timeout=60, what="30 webhook posts")
    time.sleep(2.0)
    got = Counter(r.json()["event"]["id"] for r in receiver.requests)
    assert sorted(got) == sorted(ids) and set(got.values()) == {1}
    assert all("shared-secret" not in node.log_path.read_text() for node in nodes)


def test_alerts_a_killed_server_wrote_are_sent_once_by_the_others(
    start_node: Callable[..., ServerProcess],
    receiver: HttpReceiver,
    pg_url: str,
    shared_redis: str,
) -> None:
    url = receiver.url("json")
    writer = start_node("writer", pg_url, shared_redis, alert_urls=url, alert_sender="false",
                        **ALERTS)  # fmt: skip
    s = start_session(httpx.Client(base_url=writer.url), "Ada")
    ids = [log_manual(writer, s, f"note {i}") for i in range(5)]
    writer.kill()
    assert receiver.requests == []
    for name in ("b", "c"):
        start_node(name, pg_url, shared_redis, alert_urls=url, **ALERTS)
    wait_until(lambda: len(receiver.delivered()) >= 5, what="the 5 alerts")
    time.sleep(2.0)
    notes = sorted(re.findall(r"note \d", r.json()["message"])[0] for r in receiver.requests)
    assert notes == [f"note {i}" for i in range(5)] and len(ids) == 5
