"""Fixtures for multi-node tests: real ``proctor serve`` processes on free ports (JSON logs to a
file), a PostgreSQL schema of their own, and Redis (the shared one, or a private redis-server
that a test may stop and start again)."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from tests.conftest import require
from tests.server_fixtures import fresh_pg_schema

SHARED_REDIS = "redis://127.0.0.1:6379/0"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def redis_up(url: str = SHARED_REDIS) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


class ServerProcess:
    """``python -m proctor.cli serve`` with its own environment; stderr (JSON logs) to a file."""

    def __init__(self, name: str, workdir: Path, env: dict[str, str], port: int | None = None):
        self.name = name
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / f"{name}.log"
        self.env = env
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 120) -> ServerProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PROCTOR_")}
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
        env.update(self.env)
        cmd = [sys.executable, "-m", "proctor.cli", "serve", "--port", str(self.port)]
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log_path.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code in (200, 503):
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not start in {timeout} s")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as in a crash."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def logs(self) -> list[dict[str, Any]]:
        """Every JSON log line so far (each must parse)."""
        lines = self.log_path.read_text().splitlines() if self.log_path.exists() else []
        return [json.loads(line) for line in lines if line.strip()]

    def health(self) -> httpx.Response:
        return httpx.get(f"{self.url}/healthz", timeout=10)


class PrivateRedis:
    """A redis-server of this test's own, on a free port, keeping nothing on disk."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> PrivateRedis:
        cmd = [
            "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", str(self.workdir),
        ]  # fmt: skip
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while not redis_up(self.url):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(20)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL schema of the test's own, dropped afterwards."""
    with fresh_pg_schema() as url:
        yield url


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    require(shutil.which("redis-server") is not None, "redis-server is not installed")
    server = PrivateRedis(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def shared_redis() -> str:
    require(redis_up(), f"Redis not reachable at {SHARED_REDIS}")
    return SHARED_REDIS


@pytest.fixture
def start_node(tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    """``start_node(name, database_url, redis_url=None, **settings)``: a running server process
    with JSON logs; every one is stopped after the test."""
    started: list[ServerProcess] = []
    channel = f"proctor-test-{secrets.token_hex(4)}"

    def start(
        name: str, database_url: str, redis_url: str | None = None, **settings: Any
    ) -> ServerProcess:
        env = {
            "DATABASE_URL": database_url,
            "PROCTOR_DATA_DIR": str(tmp_path / "data"),
            "PROCTOR_WEB_DIR": str(tmp_path / "no-web-build"),
            "PROCTOR_REDIS_CHANNEL": channel,
            "PROCTOR_NODE_ID": name,
            "PROCTOR_LOG_FORMAT": "json",
            "PROCTOR_ANALYSIS_WORKERS": "0",
        }
        if redis_url:
            env["REDIS_URL"] = redis_url
        env.update({f"PROCTOR_{k.upper()}": str(v) for k, v in settings.items()})
        node = ServerProcess(name, tmp_path, env).start()
        started.append(node)
        return node

    yield start
    for node in started:
        node.stop()
