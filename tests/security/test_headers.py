"""Security headers on pages, files and API answers; HSTS over HTTPS; CORS closed by default
and open only to the origins configured, for REST and Socket.IO alike.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import socketio
from pydantic import ValidationError

from proctor.config import Settings
from tests.server_fixtures import LiveServer, make_settings

# What Angular's production build writes: inline critical CSS, an onload that applies the rest.
ANGULAR_INDEX = """<!doctype html><html><head><style>:root{--bg:#fff}</style>
<link rel="stylesheet" href="styles.css" media="print" onload="this.media='all'">
<script>window.inlineBoot = 1;</script></head>
<body><app-root></app-root><script src="main.js" type="module"></script></body></html>"""
EVIL = "https://evil.example"


def sha256_source(code: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(code.encode()).digest()).decode() + "'"


def directives(csp: str) -> dict[str, list[str]]:
    out = {}
    for part in csp.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


@pytest.fixture
def web_dir(tmp_path: Path) -> Path:
    web = tmp_path / "web"
    web.mkdir()
    (web / "index.html").write_text(ANGULAR_INDEX)
    (web / "main.js").write_text("console.log(1)")
    return web


@pytest.fixture
def serve(tmp_path: Path, database_url: str, web_dir: Path) -> Iterator[Callable[..., LiveServer]]:
    started: list[LiveServer] = []

    def start(**overrides: Any) -> LiveServer:
        settings = make_settings(tmp_path, database_url, web_dir=web_dir, **overrides)
        started.append(LiveServer(settings).start())
        return started[-1]

    yield start
    for live in started:
        live.stop()


def test_every_answer_carries_the_security_headers(serve: Callable[..., LiveServer]) -> None:
    live = serve()
    with httpx.Client(base_url=live.url) as http:
        answers = {
            "page": http.get("/"),
            "room page": http.get("/c/abc"),
            "file": http.get("/main.js"),
            "api": http.get("/healthz"),
            "401": http.get("/sessions/x"),
            "404": http.get("/nothing.js"),
            "422": http.post("/start-session", json={"name": ""}),
            "openapi": http.get("/openapi.json"),
            "preflight": http.options("/log", headers={"Origin": EVIL}),
        }
        for what, r in answers.items():
            h = r.headers
            assert h["x-content-type-options"] == "nosniff", what
            assert h["referrer-policy"] == "no-referrer", what
            assert h["x-frame-options"] == "DENY", what
            assert "camera=(self)" in h["permissions-policy"], what
            assert "microphone=(self)" in h["permissions-policy"], what
            assert "geolocation=()" in h["permissions-policy"], what
            assert "frame-ancestors 'none'" in h["content-security-policy"], what
            assert "strict-transport-security" not in h, what  # plain HTTP
        for what in ("api", "401", "404", "422", "openapi"):
            assert answers[what].headers["content-type"].startswith("application/json"), what

        csp = directives(answers["page"].headers["content-security-policy"])
        assert csp["default-src"] == ["'self'"] and csp["object-src"] == ["'none'"]
        assert (
            "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
        )
        # Exactly the page's own inline code is allowed, by hash.
        assert sha256_source("this.media='all'") in csp["script-src"]
        assert "'unsafe-hashes'" in csp["script-src"]
        assert sha256_source("window.inlineBoot = 1;") in csp["script-src"]
        assert "blob:" in csp["img-src"] and "blob:" in csp["media-src"]
        assert csp["connect-src"] == ["'self'"]
        # The API docs page loads Swagger UI from its CDN, and still may not be framed.
        docs = http.get("/docs").headers["content-security-policy"]
        assert "https://cdn.jsdelivr.net" in docs and "frame-ancestors 'none'" in docs


def test_hsts_over_https_only_and_configurable(serve: Callable[..., LiveServer]) -> None:
    live = serve()
    behind_tls = {"X-Forwarded-Proto": "https"}  # from the trusted local proxy
    with httpx.Client(base_url=live.url) as http:
        assert "strict-transport-security" not in http.get("/healthz").headers
        hsts = http.get("/healthz", headers=behind_tls).headers["strict-transport-security"]
        assert hsts == "max-age=31536000; includeSubDomains"
    off = serve(hsts_seconds=0, public_url="https://proctor.example")
    with httpx.Client(base_url=off.url) as http:
        r = http.get("/", headers=behind_tls)
        assert "strict-transport-security" not in r.headers
        connect = directives(r.headers["content-security-policy"])["connect-src"]
        assert connect == ["'self'", "https://proctor.example", "wss://proctor.example"]


async def socket_refused(url: str, origin: str) -> bool:
    """Whether a page of ``origin`` holding a valid token is refused a Socket.IO connection."""
    token = httpx.post(f"{url}/start-session", json={"name": "A"}).json()["candidate_token"]
    client = socketio.AsyncClient(reconnection=False)
    try:
        await client.connect(
            url,
            headers={"Origin": origin},
            auth={"token": token},
            transports=["websocket"],
            wait_timeout=10,
        )
    except socketio.exceptions.ConnectionError:
        return True
    finally:
        await client.shutdown()
        if client.eio.http is not None:  # a refused handshake leaves the HTTP session open
            await client.eio.http.close()
    return False


async def test_cors_is_closed_by_default(serve: Callable[..., LiveServer]) -> None:
    live = serve()
    with httpx.Client(base_url=live.url) as http:
        preflight = http.options(
            "/start-session",
            headers={"Origin": EVIL, "Access-Control-Request-Method": "POST"},
        )
        assert "access-control-allow-origin" not in preflight.headers
        r = http.post("/start-session", json={"name": "A"}, headers={"Origin": EVIL})
        assert "access-control-allow-origin" not in r.headers
        # Socket.IO refuses a page of another origin, and takes one of its own.
        polling = http.get("/socket.io/?EIO=4&transport=polling", headers={"Origin": EVIL})
        assert polling.status_code == 400
        assert "access-control-allow-origin" not in polling.headers
        own = http.get("/socket.io/?EIO=4&transport=polling", headers={"Origin": live.url})
        assert own.status_code == 200
    assert await socket_refused(live.url, EVIL)
    assert not await socket_refused(live.url, live.url)


async def test_cors_opens_to_the_configured_origins_only(
    serve: Callable[..., LiveServer],
) -> None:
    allowed = "https://exam.example"
    live = serve(cors_origins=[allowed])
    with httpx.Client(base_url=live.url) as http:
        preflight = http.options(
            "/log",
            headers={
                "Origin": allowed,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type",
            },
        )
        assert preflight.headers["access-control-allow-origin"] == allowed
        r = http.get("/client-config", headers={"Origin": allowed})
        assert r.headers["access-control-allow-origin"] == allowed
        r = http.get("/client-config", headers={"Origin": EVIL})
        assert "access-control-allow-origin" not in r.headers
        r = http.get("/socket.io/?EIO=4&transport=polling", headers={"Origin": allowed})
        assert r.status_code == 200 and r.headers["access-control-allow-origin"] == allowed
    assert await socket_refused(live.url, EVIL)
    assert not await socket_refused(live.url, allowed)


def test_cors_settings_refuse_wildcards_and_non_origins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for bad in (["*"], ["null"], ["https://a.example/path"], ["exam.example"], ["ftp://a.b"]):
        with pytest.raises(ValidationError):
            Settings(cors_origins=bad)
    monkeypatch.setenv("PROCTOR_CORS_ORIGINS", "https://a.example, http://b.example:8080/")
    assert Settings().cors_origins == ["https://a.example", "http://b.example:8080"]
    monkeypatch.setenv("PROCTOR_CORS_ORIGINS", "*")
    with pytest.raises(ValidationError):
        Settings()
