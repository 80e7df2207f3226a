"""Bounded requests: no body, however large or however shaped, holds the server up.

The reproduction of issue 10: a 40 MB ``POST /start-session`` whose ``settings`` holds 2,000,000
unknown keys once took 22-25 s to answer 422 while ``/healthz`` waited 20 s. Now it is refused
413 before it is read, and the server answers everyone else meanwhile; a body within the limit
costs microseconds to refuse, however many keys it holds.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import httpx

from proctor.api.limits import JSON_BODY_BYTES, LOG_BODY_BYTES, NO_BODY_BYTES, START_BODY_BYTES
from tests.server_fixtures import LiveServer, bearer, start_session

JSON = {"content-type": "application/json"}


class HealthWatch:
    """Polls /healthz from a thread of its own; the slowest answer, and whether all were 200."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.slowest = 0.0
        self.answers: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as client:
            while not self._stop.is_set():
                start = time.monotonic()
                self.answers.append(client.get("/healthz").status_code)
                self.slowest = max(self.slowest, time.monotonic() - start)
                time.sleep(0.05)

    def __enter__(self) -> HealthWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=60)


def in_pieces(data: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    """``data`` as a chunked body (no Content-Length: only counting the bytes can stop it)."""
    for i in range(0, len(data), size):
        yield data[i : i + size]


def test_a_40_mb_body_of_2_million_keys_is_refused_at_once(
    server: LiveServer, http: httpx.Client
) -> None:
    settings = {f"k{i}": i for i in range(2_000_000)}
    body = json.dumps({"name": "A", "settings": settings}).encode()
    assert len(body) > 39_000_000
    with HealthWatch(server.url) as health:
        time.sleep(0.3)  # a few answers before
        for content in (body, in_pieces(body)):
            start = time.monotonic()
            r = http.post("/start-session", content=content, headers=JSON)
            took = time.monotonic() - start
            assert r.status_code == 413, r.text[:300]
            limit = START_BODY_BYTES
            assert r.json() == {
                "detail": f"request body too large: this route takes at most {limit} bytes"
            }
            assert took < 3, took
        time.sleep(0.3)  # and a few after
    assert len(health.answers) >= 5 and set(health.answers) == {200}, health.answers
    assert health.slowest < 1, health.slowest
    # Nothing was started, and the server takes the next request as ever.
    assert start_session(http)["name"] == "Ada Lovelace"


def test_each_route_has_a_limit_suited_to_it(server: LiveServer, http: httpx.Client) -> None:
    s = start_session(http)
    sid, intv = s["session_id"], bearer(s["interviewer_token"])
    # /log takes a long detail, escaped, but not more
    detail = "\u00e9" * 2000
    r = http.post(
        "/log",
        content=json.dumps({"session_id": sid, "type": "manual", "detail": detail}).encode(),
        headers={**intv, **JSON},
    )
    assert r.status_code == 201, r.text
    r = http.post("/log", content=b" " * (LOG_BODY_BYTES + 1), headers={**intv, **JSON})
    assert r.status_code == 413 and str(LOG_BODY_BYTES) in r.json()["detail"]
    # A route that takes no body takes the `{}` the web app sends, and refuses more
    end = f"/sessions/{sid}/end"
    assert http.post(end, json={}, headers=intv).status_code == 200
    r = http.post(end, content=b"x" * (NO_BODY_BYTES + 1), headers=intv)
    assert r.status_code == 413 and str(NO_BODY_BYTES) in r.json()["detail"]
    # Uploads keep the server's own limit
    r = http.put(
        f"/sessions/{sid}/video/chunks/0",
        content=in_pieces(b"\x1a\x45\xdf\xa3" + b"\0" * 300_000, 10_000),
        headers=bearer(s["candidate_token"]),
    )
    assert r.status_code == 201, r.text
    # Every operation documents its 413
    for path, item in http.get("/openapi.json").json()["paths"].items():
        for method, operation in item.items():
            assert "413" in operation["responses"], (method, path)


def test_a_body_within_the_limit_is_refused_cheaply_however_many_keys(
    server: LiveServer, http: httpx.Client
) -> None:
    """Unknown keys and oversized containers get one error each, not one per key."""
    s = start_session(http)
    sid, intv = s["session_id"], bearer(s["interviewer_token"])
    keys = dict.fromkeys((f"k{i}" for i in range(1200)), 0)
    cases = [
        ("/start-session", {"name": "A", "settings": keys}, {}),
        ("/start-session", {"name": "A", **keys}, {}),
        ("/start-session", {"name": "A", "settings": {"score_weights": keys}}, {}),
        ("/start-session", {"name": "A", "settings": {"candidate_notices": ["x"] * 3000}}, {}),
        ("/log", {"session_id": sid, "type": "manual", **keys}, intv),
        (f"/sessions/{sid}/video/complete", {"chunks": 1, **keys}, intv),
    ]
    for path, body, headers in cases:
        content = json.dumps(body, separators=(",", ":")).encode()
        assert len(content) <= JSON_BODY_BYTES
        r = http.post(path, content=content, headers={**headers, **JSON})
        assert r.status_code == 422, (path, r.text[:300])
        detail = r.json()["detail"]
        assert ("unknown field" in detail or "values" in detail) and len(detail) < 400, detail
    r = http.post("/log", json={"session_id": sid, "type": "manual", "a": 1, "b": 2}, headers=intv)
    assert r.status_code == 422 and "unknown fields: 'a', 'b'" in r.json()["detail"]


def test_the_largest_valid_bodies_fit_their_limits(server: LiveServer, http: httpx.Client) -> None:
    """Every text at its longest, every character escaped as JSON can (12 bytes outside the
    BMP): no valid body is refused for its size."""
    s = start_session(http)
    sid, intv = s["session_id"], bearer(s["interviewer_token"])
    wide = "\U0001f600"
    types = [
        "no_face_detected",
        "multiple_faces_detected",
        "looking_away",
        "object_detected",
        "focus_lost",
        "fullscreen_exit",
        "copy_paste",
        "manual",
    ]
    url = "mailto://ada@example.org?name="
    largest = {
        "/start-session": {
            "name": wide * 200,
            "settings": {
                "score_weights": dict.fromkeys(types, 99.99999999999999),
                "candidate_notices": types,
                "alert_urls": [url + wide * (2000 - len(url))] * 5,
            },
        },
        "/log": {
            "session_id": wide * 64,
            "type": "object_detected",
            "detail": wide * 2000,
            "role": "interviewer",
            "name": wide * 200,
            "client_id": wide * 100,
            "ts": 1.7976931348623157e308,
        },
        f"/sessions/{sid}/video/complete": {
            "chunks": 100_000,
            "mime": "video/webm",
            "started_at": "2026-12-31T23:59:59.999999999+23:59",
            "duration_s": 604_799.9999999999,
        },
    }
    for path, body in largest.items():
        content = json.dumps(body, ensure_ascii=True, indent=1).encode()
        r = http.post(path, content=content, headers={**intv, **JSON})
        assert r.status_code != 413, (path, len(content))
        assert r.status_code in (201, 403, 409, 422), (path, r.text[:300])
