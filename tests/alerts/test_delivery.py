"""Alerts through a real server to real receivers: Apprise's json:// and the signed webhook get
one post per critical event; a failing receiver gets it once it answers; calm events send none;
the outcome shows in /metrics. SQLite and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from proctor.alerts.signing import ALERT_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from tests.alerts.receivers import HttpReceiver, wait_until
from tests.reports.conftest import pdf_pages
from tests.server_fixtures import LiveServer, bearer, start_session

SECRET = "s3cret-for-tests"
FAST_RETRY = {"alert_retry_seconds": 0.2, "alert_poll_seconds": 0.2}


def log_event(client: httpx.Client, s: dict[str, str], type_: str, detail: str = "") -> int:
    r = client.post(
        "/log",
        json={"session_id": s["session_id"], "type": type_, "detail": detail},
        headers=bearer(s["interviewer_token"]),
    )
    assert r.status_code == 201, r.text
    event_id: int = r.json()["id"]
    return event_id


def test_a_critical_manual_event_is_posted_once_to_each_channel(
    start_server: Callable[..., LiveServer], receiver: HttpReceiver
) -> None:
    server = start_server(
        alert_urls=[receiver.url("json", "/apprise")],
        alert_events="manual",
        webhook_url=receiver.url("http", "/webhook"),
        webhook_secret=SECRET,
        public_url="https://proctor.example.org",
        **FAST_RETRY,
    )
    with httpx.Client(base_url=server.url, timeout=30) as client:
        s = start_session(client, "Grace Hopper")
        log_event(client, s, "focus_lost")  # not critical here: no alert
        event_id = log_event(client, s, "manual", "a second voice behind the candidate")
        wait_until(lambda: len(receiver.delivered()) >= 2, what="two posts")
        time.sleep(1.0)  # a doubled send would arrive by now
        by_path = {r.path: r for r in receiver.requests}
        assert sorted(r.path for r in receiver.requests) == ["/apprise", "/webhook"]

        apprise_post = by_path["/apprise"].json()
        text = apprise_post["title"] + "\n" + apprise_post["message"]
        assert "Grace Hopper" in text and s["session_id"] in text
        assert "logged by the interviewer: a second voice behind the candidate" in text
        link = f"https://proctor.example.org/review/{s['session_id']}?event={event_id}"
        assert link in text
        assert s["interviewer_token"] not in text and s["candidate_token"] not in text

        hook = by_path["/webhook"]
        headers = {k.lower(): v for k, v in hook.headers.items()}
        assert verify(
            SECRET,
            hook.body,
            headers[TIMESTAMP_HEADER.lower()],
            headers[SIGNATURE_HEADER.lower()],
        )
        assert not verify("another secret", hook.body, headers[TIMESTAMP_HEADER.lower()],
                          headers[SIGNATURE_HEADER.lower()])  # fmt: skip
        assert not verify(SECRET, hook.body + b" ", headers[TIMESTAMP_HEADER.lower()],
                          headers[SIGNATURE_HEADER.lower()])  # fmt: skip
        body = hook.json()
        assert headers[ALERT_ID_HEADER.lower()] == str(body["alert_id"])
        assert body["event"]["id"] == event_id and body["event"]["type"] == "manual"
        assert body["candidate"] == "Grace Hopper" and body["review_url"].startswith(link)

        metrics = client.get("/metrics").text
        assert 'proctor_alerts_sent_total{channel="operator"} 1.0' in metrics
        assert 'proctor_alerts_sent_total{channel="webhook"} 1.0' in metrics

        url = f"/sessions/{s['session_id']}/alerts"
        state = client.get(url, headers=bearer(s["interviewer_token"])).json()
        assert sorted((a["channel"], a["status"], a["event_id"]) for a in state) == [
            ("operator", "sent", event_id), ("webhook", "sent", event_id),
        ]  # fmt: skip
        assert client.get(url, headers=bearer(s["candidate_token"])).status_code == 403


def test_a_receiver_that_fails_twice_gets_the_alert_once(
    start_server: Callable[..., LiveServer], receiver: HttpReceiver
) -> None:
    receiver.fail_first = 2
    server = start_server(alert_urls=[receiver.url("json")], alert_events="manual", **FAST_RETRY)
    with httpx.Client(base_url=server.url, timeout=30) as client:
        s = start_session(client)
        log_event(client, s, "manual", "phone under the desk")
        wait_until(lambda: len(receiver.delivered()) == 1, what="a delivered post")
        time.sleep(1.0)
        assert [r.answered for r in receiver.requests] == [500, 500, 200]
        metrics = client.get("/metrics").text
        assert 'proctor_alerts_retried_total{channel="operator"} 2.0' in metrics
        assert 'proctor_alerts_sent_total{channel="operator"} 1.0' in metrics
        state = client.get(
            f"/sessions/{s['session_id']}/alerts", headers=bearer(s["interviewer_token"])
        ).json()
        assert [(a["status"], a["attempts"], a["error"]) for a in state] == [("sent", 3, None)]


def test_a_dead_receiver_is_given_up_with_the_reason(
    start_server: Callable[..., LiveServer], receiver: HttpReceiver
) -> None:
    receiver.fail_first = 100
    server = start_server(
        alert_urls=[receiver.url("json")], alert_events="manual", alert_max_attempts=2,
        **FAST_RETRY,
    )  # fmt: skip
    with httpx.Client(base_url=server.url, timeout=30) as client:
        s = start_session(client)
        log_event(client, s, "manual", "phone under the desk")
        url = f"/sessions/{s['session_id']}/alerts"

        def failed() -> bool:
            got = client.get(url, headers=bearer(s["interviewer_token"])).json()
            return bool(got) and got[0]["status"] == "failed"

        wait_until(failed, what="the alert given up")
        [alert] = client.get(url, headers=bearer(s["interviewer_token"])).json()
        assert alert["attempts"] == 2 and "500" in alert["error"]
        assert len(receiver.requests) == 2
        assert 'proctor_alerts_failed_total{channel="operator"} 1.0' in client.get("/metrics").text
        pdf = client.get(f"/report/{s['session_id']}", headers=bearer(s["interviewer_token"]))
        text = " ".join(" ".join(pdf_pages(pdf.content)).split())
        assert "Alerts (1)" in text and "failed after 2 attempts" in text


def test_over_the_rate_limit_the_rest_come_as_one_digest(
    start_server: Callable[..., LiveServer], receiver: HttpReceiver
) -> None:
    server = start_server(
        alert_urls=[receiver.url("json")],
        alert_events="manual",
        alert_max_per_minute=2,
        **FAST_RETRY,
    )
    with httpx.Client(base_url=server.url, timeout=30) as client:
        s = start_session(client)
        for i in range(5):
            log_event(client, s, "manual", f"note {i}")
        wait_until(lambda: len(receiver.delivered()) == 2, what="the first two alerts")
        time.sleep(1.0)
        assert len(receiver.requests) == 2  # the other three wait for the minute to pass
        wait_until(lambda: len(receiver.delivered()) == 3, timeout=90, what="the digest")
        digest = receiver.requests[2].json()
        assert "3 more events" in digest["title"]
        assert all(f"note {i}" in digest["message"] for i in (2, 3, 4))
