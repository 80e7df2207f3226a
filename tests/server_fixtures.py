"""Fixtures for server tests: a fresh database (SQLite, or a PostgreSQL schema of its own) and
a real uvicorn server on a free port per test, plus a Socket.IO peer that records what it gets.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import socketio
import uvicorn

from proctor.app import create_app
from proctor.config import Settings
from proctor.context import AppContext
from tests.conftest import require

PG_CANDIDATES = (
    "postgresql://postgres@127.0.0.1:5432/test",
    "postgresql://root@127.0.0.1:5432/test",
)


def _find_postgres() -> str | None:
    urls = [os.environ["DATABASE_URL_TEST"]] if os.environ.get("DATABASE_URL_TEST") else []
    for url in urls or list(PG_CANDIDATES):
        try:
            with psycopg.connect(url, connect_timeout=3):
                return url
        except psycopg.Error:
            continue
    return None


_PG_URL: list[str | None] = []


def postgres_url() -> str | None:
    if not _PG_URL:
        _PG_URL.append(_find_postgres())
    return _PG_URL[0]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: SQLite in ``tmp_path``, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'proctor.db'}"
        return
    with fresh_pg_schema() as url:
        yield url


@contextmanager
def pg_schema(base: str, prefix: str = "t") -> Iterator[str]:
    """A new schema in the PostgreSQL database at ``base``: its URL, dropped afterwards."""
    schema = f"{prefix}_{secrets.token_hex(6)}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@contextmanager
def fresh_pg_schema() -> Iterator[str]:
    """``pg_schema`` of the test PostgreSQL; skips (fails under CI) when it is not reachable."""
    base = postgres_url()
    require(base is not None, "PostgreSQL not reachable at 127.0.0.1:5432/test (DATABASE_URL_TEST)")
    assert base is not None
    with pg_schema(base) as url:
        yield url


def make_settings(tmp_path: Path, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "DATABASE_URL": database_url,
        "data_dir": tmp_path / "data",
        "web_dir": tmp_path / "no-web-build",
        "analysis_workers": 0,
        "audio_analysis": False,  # its own process: the audio tests turn it on
        "redis_url": None,
        **overrides,
    }
    return Settings(**values)


class LiveServer:
    """uvicorn serving ``create_app(settings)`` in a thread, on a free loopback port."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = create_app(settings)
        self.ctx: AppContext = self.app.ctx
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            self.app, log_level="warning", lifespan="on", ws="websockets-sansio"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [sock]}, daemon=True
        )

    def start(self, timeout: float = 120.0) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=60)


@pytest.fixture
def start_server(tmp_path: Path, database_url: str) -> Iterator[Callable[..., LiveServer]]:
    """Start a server with settings overrides; every one started is stopped after the test."""
    started: list[LiveServer] = []

    def start(**overrides: Any) -> LiveServer:
        live = LiveServer(make_settings(tmp_path, database_url, **overrides)).start()
        started.append(live)
        return live

    yield start
    for live in started:
        live.stop()


@pytest.fixture
def server(start_server: Callable[..., LiveServer]) -> LiveServer:
    """A server without live analysis (no model work): REST, Socket.IO, storage."""
    return start_server()


@pytest.fixture
def http(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        yield client


def start_session(client: httpx.Client, name: str = "Ada Lovelace", **extra: Any) -> dict[str, Any]:
    r = client.post("/start-session", json={"name": name, **extra})
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def now_ms() -> float:
    """This machine's clock as a Socket.IO ``ts``: milliseconds since 1970, like Date.now()."""
    return time.time() * 1000


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Peer:
    """A Socket.IO client that records every message it receives."""

    def __init__(self, url: str, token: str | None) -> None:
        self.url, self.token = url, token
        self.sio = socketio.AsyncClient(reconnection=False)
        self.received: list[tuple[str, Any]] = []
        self._changed = asyncio.Event()

        self.sio.on("*", self._record)

    async def _record(self, event: str, data: Any = None) -> None:
        self.received.append((event, data))
        self._changed.set()

    async def connect(self) -> Peer:
        auth = {"token": self.token} if self.token is not None else None
        await self.sio.connect(self.url, auth=auth, transports=["websocket"], wait_timeout=10)
        return self

    async def call(self, event: str, data: Any, timeout: float = 30) -> Any:
        return await self.sio.call(event, data, timeout=timeout)

    def of(self, event: str) -> list[Any]:
        return [data for name, data in self.received if name == event]

    async def wait_for(
        self, event: str, match: Callable[[Any], bool] = lambda _: True, timeout: float = 60
    ) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            for data in self.of(event):
                if match(data):
                    return data
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {event!r} arrived in {timeout} s; got {self.summary()}")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), timeout=left)
            except TimeoutError:
                continue

    def summary(self) -> list[str]:
        return [name for name, _ in self.received]

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()


@pytest.fixture
async def peers() -> Any:
    """Make connected peers: ``await peers(url, token)``; all are closed after the test."""
    made: list[Peer] = []

    async def connect(url: str, token: str | None) -> Peer:
        peer = Peer(url, token)
        made.append(peer)
        return await peer.connect()

    yield connect
    for peer in made:
        await peer.close()
