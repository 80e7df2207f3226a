"""Alert URLs a session brings at start: only the operator's schemes pass, a refused one gets a
422 that names the problem (never the URL, which may hold a password), and an accepted email
address gets that session's alerts, from a real SMTP server's point of view."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from tests.alerts.receivers import HttpReceiver, SmtpReceiver, wait_until
from tests.server_fixtures import LiveServer, bearer, start_session


def start(client: httpx.Client, *urls: str) -> httpx.Response:
    body = {"name": "Ada Lovelace", "settings": {"alert_urls": list(urls)}}
    return client.post("/start-session", json=body)


def test_refused_urls_get_a_422_that_names_the_problem(
    start_server: Callable[..., LiveServer],
) -> None:
    server = start_server()  # default allow-list: mailto, mailtos
    with httpx.Client(base_url=server.url, timeout=30) as client:
        r = start(client, "mailto://ada@example.com", "json://10.0.0.1:8080/x?pass=hunter2")
        assert r.status_code == 422
        detail = r.json()["detail"]
        assert "alert_urls.1" in detail and "scheme 'json' is not allowed" in detail
        assert "mailto, mailtos" in detail and "hunter2" not in detail

        r = start(client, "ada@example.com")
        assert r.status_code == 422 and "not a URL" in r.json()["detail"]
        r = start(client, *[f"mailto://a{i}@example.com" for i in range(6)])
        assert r.status_code == 422 and "alert_urls" in r.json()["detail"]
        assert start(client, "mailto://ada@example.com").status_code == 201

    wider = start_server(alert_schemes="mailto,json")
    with httpx.Client(base_url=wider.url, timeout=30) as client:
        assert start(client, "json://127.0.0.1:9/x").status_code == 201


def test_a_session_address_gets_the_alerts_of_that_session_only(
    start_server: Callable[..., LiveServer], smtp: SmtpReceiver, receiver: HttpReceiver
) -> None:
    server = start_server(
        alert_urls=[receiver.url("json")], alert_events="manual", alert_poll_seconds=0.2
    )
    with httpx.Client(base_url=server.url, timeout=30) as client:
        r = start(client, smtp.url("interviewer@example.com"))
        assert r.status_code == 201, r.text
        mine = r.json()
        other = start_session(client, "Alan Turing")  # no address of its own
        for s in (mine, other):
            r = client.post(
                "/log",
                json={"session_id": s["session_id"], "type": "manual", "detail": "left the room"},
                headers=bearer(s["interviewer_token"]),
            )
            assert r.status_code == 201
        wait_until(lambda: len(receiver.delivered()) == 2 and len(smtp.messages) == 1)
        time.sleep(1.0)
        assert len(smtp.messages) == 1 and len(receiver.requests) == 2
        assert smtp.mailbox.recipients == [["interviewer@example.com"]]
        assert "Ada Lovelace" in str(smtp.messages[0]["Subject"])
