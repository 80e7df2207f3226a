"""No path traversal: not through the web app's files, session ids, chunk indexes, upload names,
nor through a stored path that was tampered with. Requests go out raw, as an attacker would
send them, so no client tidies the ``..`` away first.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from proctor.db.models import EventRow, RecordingRow, utcnow
from tests.server_fixtures import LiveServer, bearer, make_settings, start_session

SECRET = "the secret beside the web root"
WEBM = b"\x1a\x45\xdf\xa3" + b"\x00" * 200
STATIC_ATTACKS = [
    "/../secret.txt",
    "/..%2fsecret.txt",
    "/%2e%2e/secret.txt",
    "/%2e%2e%2fsecret.txt",
    "/..%5csecret.txt",
    "/%252e%252e%252fsecret.txt",
    "/....//secret.txt",
    "/..;/secret.txt",
    "/%c0%ae%c0%ae/secret.txt",
    "/c/../../secret.txt",
    "/c/..%2f..%2fsecret.txt",
    "/review/%2e%2e/%2e%2e/secret.txt",
    "//etc/passwd",
    "/..%2f..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc/passwd",
    "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/" + "..%2f" * 30 + "etc/passwd",
    "/%00../secret.txt",
    "/secret.txt%00.js",
]


def raw_get(port: int, target: str, token: str | None = None) -> tuple[int, bytes]:
    """A GET of ``target`` exactly as written; the status and body."""
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    head = f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Connection: close\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head.encode("latin-1"))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data.partition(b"\r\n\r\n")[2]


@pytest.fixture
def live(tmp_path: Path, database_url: str) -> Iterator[LiveServer]:
    web = tmp_path / "web"
    web.mkdir()
    (web / "index.html").write_text("<!doctype html><title>Proctor app</title>")
    (web / "main.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text(SECRET)
    server = LiveServer(make_settings(tmp_path, database_url, web_dir=web)).start()
    yield server
    server.stop()


def files_outside(data_dir: Path) -> set[Path]:
    root = data_dir.resolve().parent
    inside = data_dir.resolve()
    return {
        p
        for p in root.rglob("*")
        if p.is_file() and not p.resolve().is_relative_to(inside) and ".db" not in p.name
    }


def test_web_files_never_leave_the_web_root(live: LiveServer) -> None:
    for target in STATIC_ATTACKS:
        status, body = raw_get(live.port, target)
        assert status in (200, 400, 404), (target, status)
        assert SECRET.encode() not in body and b"root:x:0:0" not in body, target
        if status == 200:
            assert b"Proctor app" in body, target  # the app's index page, nothing else
    assert raw_get(live.port, "/main.js") == (200, b"console.log(1)")


def test_ids_and_indexes_in_api_paths_cannot_escape(live: LiveServer) -> None:
    with httpx.Client(base_url=live.url, timeout=30) as http:
        s = start_session(http)
        token = s["interviewer_token"]
        before = files_outside(live.settings.data_dir)
        bad_ids = [
            "..",
            "%2e%2e",
            "..%2f..%2fetc%2fpasswd",
            "..%252f..",
            ".%00.",
            "%2fetc%2fpasswd",
        ]
        for bad in bad_ids:
            for template in (
                "/sessions/{}",
                "/sessions/{}/video",
                "/sessions/{}/events",
                "/sessions/{}/events/1/evidence",
                "/report/{}",
            ):
                target = template.format(bad)
                status, body = raw_get(live.port, target, token)
                assert status in (400, 403, 404, 405, 422), (target, status)
                assert b"root:x:0:0" not in body and SECRET.encode() not in body
        for index in ("..%2f..%2fx", "%2e%2e", "0%2f..%2f..%2fx", "-1", "1e9"):
            r = http.put(
                f"/sessions/{s['session_id']}/video/chunks/{index}",
                content=WEBM,
                headers=bearer(s["candidate_token"]),
            )
            assert r.status_code in (404, 405, 422), (index, r.status_code)
        for session_field in ("../../etc", "..", f"{s['session_id']}/../x", "/tmp"):
            r = http.post(
                "/upload-video",
                data={"session_id": session_field},
                files={"file": ("../../../../tmp/evil.webm", WEBM, "video/webm")},
                headers=bearer(s["candidate_token"]),
            )
            assert r.status_code == 403, (session_field, r.text)
        assert files_outside(live.settings.data_dir) == before


def test_a_tampered_stored_path_is_not_followed(live: LiveServer) -> None:
    with httpx.Client(base_url=live.url, timeout=30) as http:
        s = start_session(http)
        sid, intv = s["session_id"], bearer(s["interviewer_token"])
        r = http.post("/log", json={"session_id": sid, "type": "manual"}, headers=intv)
        event_id = r.json()["id"]
        with live.ctx.sessions() as db:
            db.add(
                RecordingRow(
                    session_id=sid,
                    part="main",
                    path="../secret.txt",
                    mime="video/webm",
                    size=10,
                    chunks=0,
                    created_at=utcnow(),
                )
            )
            db.execute(
                update(EventRow).where(EventRow.id == event_id).values(evidence_path="/etc/passwd")
            )
            db.commit()
        for path in (f"/sessions/{sid}/video", f"/sessions/{sid}/videos/main"):
            r = http.get(path, headers=intv)
            assert r.status_code == 404 and SECRET not in r.text
        r = http.get(f"/sessions/{sid}/events/{event_id}/evidence", headers=intv)
        assert r.status_code == 404 and "root:" not in r.text
