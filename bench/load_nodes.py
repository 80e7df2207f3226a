"""The servers a load run starts: a fresh database (SQLite, or a PostgreSQL schema of its
own) and ``proctor serve`` processes on free ports, waited for until their analysis is ready
(used by ``bench.load`` and ``bench.load_compare``)."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from tests.server_fixtures import pg_schema

PG_URL = os.environ.get("DATABASE_URL_TEST", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("REDIS_URL_TEST", "redis://127.0.0.1:6379/0")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def database(kind: str, tmp: Path) -> Iterator[str]:
    """A fresh database: SQLite in ``tmp``, or a PostgreSQL schema of its own."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp / 'proctor.db'}"
        return
    with pg_schema(PG_URL, "bench") as url:
        yield url


@contextmanager
def nodes(
    count: int, workers: int, database_url: str, tmp: Path, extra: dict[str, str]
) -> Iterator[list[Any]]:
    """``count`` server processes; yields [(url, Popen)]."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROCTOR_")}
    env.update(
        DATABASE_URL=database_url,
        PROCTOR_DATA_DIR=str(tmp),
        PROCTOR_ANALYSIS_WORKERS=str(workers),
        PROCTOR_LOG_LEVEL="warning",
        PROCTOR_REDIS_CHANNEL=f"bench-{secrets.token_hex(4)}",
        **extra,
    )
    if count > 1:
        env["REDIS_URL"] = REDIS_URL
    started = []
    try:
        for i in range(count):
            port = free_port()
            cmd = [sys.executable, "-m", "proctor.cli", "serve", "--port", str(port)]
            log = (tmp / f"node{i}.log").open("wb")
            proc = subprocess.Popen(cmd, env={**env, "PROCTOR_NODE_ID": f"bench-{i}"},
                                    stdout=log, stderr=log)  # fmt: skip
            started.append((f"http://127.0.0.1:{port}", proc))
        for url, proc in started:
            deadline = time.monotonic() + 180
            while True:
                try:
                    if httpx.get(f"{url}/healthz", timeout=2).json()["analysis"] == "ok":
                        break
                except (httpx.HTTPError, ValueError):
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"server {url} did not start: see {tmp}")
                time.sleep(0.2)
        yield started
    finally:
        for _, proc in started:
            proc.terminate()
        for _, proc in started:
            proc.wait(60)
