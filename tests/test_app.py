"""The app factory and the command line: service endpoints, web app serving, `proctor serve`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.server_fixtures import LiveServer, make_settings


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'app.db'}"


@pytest.fixture
def web_build(tmp_path: Path) -> Path:
    root = tmp_path / "browser"
    root.mkdir()
    (root / "index.html").write_text("<!doctype html><title>Proctor app</title><app-root>")
    (root / "main-ABC.js").write_text("console.log('app')")
    (tmp_path / "secret.txt").write_text("outside the web root")
    return root


@pytest.fixture
def live(tmp_path: Path, sqlite_url: str, web_build: Path) -> Iterator[LiveServer]:
    server = LiveServer(make_settings(tmp_path, sqlite_url, web_dir=web_build)).start()
    yield server
    server.stop()


def test_service_endpoints(live: LiveServer) -> None:
    with httpx.Client(base_url=live.url) as http:
        health = http.get("/healthz").json()
        assert health == {
            "status": "ok",
            "database": "ok",
            "redis": "off",
            "analysis": "live analysis is off",
            "audio": "audio analysis is off",
            "node": live.ctx.node_id,
        }
        config = http.get("/client-config").json()
        assert config["frame_interval_ms"] == 1000 and config["ice_servers"] == []
        assert {
            "frame_width",
            "frame_height",
            "jpeg_quality",
            "retention_days",
            "chunk_interval_ms",
        } <= set(config)
        assert "proctor_frames_received_total 0.0" in http.get("/metrics").text
        assert http.get("/docs").status_code == 200
        paths = http.get("/openapi.json").json()["paths"]
        assert {"/start-session", "/log", "/upload-video", "/report/{session_id}"} <= set(paths)


def test_web_app_and_spa_fallback(live: LiveServer) -> None:
    with httpx.Client(base_url=live.url) as http:
        assert "Proctor app" in http.get("/").text
        assert http.get("/main-ABC.js").text == "console.log('app')"
        for path in ("/c/abc123", "/i/abc123", "/review/abc123"):
            r = http.get(path)
            assert r.status_code == 200 and "Proctor app" in r.text, path
        r = http.get("/nothing-here.js")
        assert r.status_code == 404 and r.json() == {"detail": "not found"}
        assert http.get("/%2e%2e/secret.txt").status_code == 404
        assert http.get("/..%2fsecret.txt").status_code == 404


def test_missing_web_build_says_how_to_build_it(tmp_path: Path, sqlite_url: str) -> None:
    server = LiveServer(make_settings(tmp_path, sqlite_url)).start()
    try:
        with httpx.Client(base_url=server.url) as http:
            for path in ("/", "/c/x"):
                r = http.get(path)
                assert r.status_code == 200 and "make web" in r.text
    finally:
        server.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_proctor_db_upgrade_and_serve_commands(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PROCTOR_DATA_DIR": str(tmp_path / "data"),
        "PROCTOR_ANALYSIS_WORKERS": "0",
    }
    env.pop("DATABASE_URL", None)
    proctor = [sys.executable, "-m", "proctor.cli"]
    done = subprocess.run(
        [*proctor, "db", "upgrade"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    from proctor.db.migrate import head_revision

    assert f"revision {head_revision()}" in done.stdout
    assert (tmp_path / "data" / "proctor.db").is_file()
    port = _free_port()
    proc = subprocess.Popen(
        [*proctor, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/healthz")
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                assert time.monotonic() < deadline, "server did not come up"
                time.sleep(0.2)
        assert r.status_code == 200 and r.json()["database"] == "ok"
        r = httpx.post(f"http://127.0.0.1:{port}/start-session", json={"name": "Ada"})
        assert r.status_code == 201
        assert r.json()["candidate_url"].startswith(f"http://127.0.0.1:{port}/c/")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    bad = subprocess.run(
        [*proctor, "serve", "--port", "70000"], env=env, capture_output=True, text=True, timeout=60
    )
    assert bad.returncode != 0
