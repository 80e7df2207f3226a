"""A client that goes away in the middle of an upload (a candidate on a flaky network): an
ordinary outcome. Logged at info level with the session and part, counted in /metrics, no
traceback, and nothing of the partial body is kept.
"""

from __future__ import annotations

import logging
import re
import socket
import time

import httpx
import pytest

from proctor.db import recordings
from tests.server_fixtures import LiveServer, bearer, start_session

WEBM_HEAD = b"\x1a\x45\xdf\xa3"
BOUNDARY = "cut-short-4f1c"


def send_part_and_leave(live: LiveServer, head: str, body: bytes, declared: int) -> None:
    """A raw HTTP request that promises ``declared`` bytes of body, sends ``body``, and closes."""
    with socket.create_connection(("127.0.0.1", live.port), timeout=10) as sock:
        request = f"{head}Content-Length: {declared}\r\nHost: test\r\n\r\n".encode()
        sock.sendall(request + body)
        time.sleep(1.0)  # the server has read what came, even on a busy machine


def interrupted(http: httpx.Client, kind: str) -> float:
    match = re.search(
        rf'^proctor_uploads_interrupted_total\{{kind="{kind}"\}} (\S+)$',
        http.get("/metrics").text,
        re.MULTILINE,
    )
    return float(match[1]) if match else 0.0


def wait_for(condition: object, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "the server did not notice the client leaving"
        time.sleep(0.05)


def test_a_client_leaving_mid_upload_is_an_ordinary_outcome(
    server: LiveServer, http: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    s = start_session(http)
    sid, token = s["session_id"], s["candidate_token"]

    # A whole recording (multipart), cut off in the middle of its file
    form = (
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="session_id"\r\n\r\n{sid}\r\n'
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="part"\r\n\r\ntab-1\r\n'
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="r.webm"\r\n'
            "Content-Type: video/webm\r\n\r\n"
        ).encode()
        + WEBM_HEAD
        + b"\0" * 50_000
    )
    head = (
        "POST /upload-video HTTP/1.1\r\n"
        f"Authorization: Bearer {token}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
    )
    send_part_and_leave(server, head, form, declared=len(form) + 1_000_000)
    wait_for(lambda: interrupted(http, "upload") == 1)

    # A chunk of a recording part, cut off
    head = (
        f"PUT /sessions/{sid}/video/parts/tab-2/chunks/0 HTTP/1.1\r\n"
        f"Authorization: Bearer {token}\r\n"
        "Content-Type: application/octet-stream\r\n"
    )
    send_part_and_leave(server, head, WEBM_HEAD + b"\0" * 50_000, declared=1_000_000)
    wait_for(lambda: interrupted(http, "chunk") == 1)

    # Told at info level, naming the session and the part; no error, no traceback
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    told = [r for r in caplog.records if "upload interrupted" in r.getMessage()]
    assert [r.levelno for r in told] == [logging.INFO, logging.INFO]
    assert all(getattr(r, "session_id", None) == sid for r in told)
    assert "part tab-1" in told[0].getMessage()
    assert "part tab-2 chunk 0" in told[1].getMessage()

    # Nothing partial was kept: no recording, no chunk (on disk or in the database), no tmp file
    videos = http.get(f"/sessions/{sid}/videos", headers=bearer(s["interviewer_token"]))
    assert videos.status_code == 200 and videos.json() == []
    data = server.settings.data_dir / "videos"
    assert not [p for p in data.rglob("*") if p.is_file()]
    with server.ctx.sessions() as db:
        assert recordings.pending(db, sid, "tab-2") == []
    # The server takes the same upload whole afterwards
    r = http.put(
        f"/sessions/{sid}/video/parts/tab-2/chunks/0",
        content=WEBM_HEAD + b"\0" * 1000,
        headers=bearer(token),
    )
    assert r.status_code == 201 and r.json()["received"] == [0]
