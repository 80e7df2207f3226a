"""Structured logs: one JSON object per line naming the node and the session, or plain text."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from proctor.observability.logs import configure, session_var
from tests.cluster_fixtures import ServerProcess
from tests.server_fixtures import bearer, start_session


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_lines_carry_node_session_and_extras(restore_logging: None) -> None:
    stream = io.StringIO()
    configure("json", "info", "node-7", stream=stream)
    log = logging.getLogger("proctor.test")
    log.info("plain")
    log.debug("not at info")
    token = session_var.set("s-ctx")
    try:
        log.warning("from the context: %d", 42)
        log.info("explicit", extra={"session_id": "s-extra", "event_id": 5})
    finally:
        session_var.reset(token)
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("failed")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [x["message"] for x in lines] == ["plain", "from the context: 42", "explicit", "failed"]
    assert all(x["node"] == "node-7" and x["logger"] == "proctor.test" for x in lines)
    assert all(x["time"].endswith("Z") for x in lines)
    assert "session_id" not in lines[0]
    assert lines[1]["session_id"] == "s-ctx" and lines[1]["level"] == "warning"
    assert lines[2]["session_id"] == "s-extra" and lines[2]["event_id"] == 5
    assert lines[3]["level"] == "error" and "ValueError: boom" in lines[3]["exception"]


def test_text_lines(restore_logging: None) -> None:
    stream = io.StringIO()
    configure("text", "info", "node-7", stream=stream)
    logging.getLogger("proctor.test").info("hello", extra={"session_id": "abc"})
    line = stream.getvalue().strip()
    assert line.endswith("INFO proctor.test [node-7] session=abc hello")


def test_a_server_logs_json_with_session_ids(
    start_node: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    node = start_node("logger", f"sqlite:///{tmp_path / 'l.db'}")  # PROCTOR_LOG_FORMAT=json
    with httpx.Client(base_url=node.url) as http:
        s = start_session(http, "Ada")
        body = {"session_id": s["session_id"], "type": "copy_paste"}
        assert http.post("/log", json=body, headers=bearer(s["candidate_token"])).is_success
    node.stop()
    lines = node.logs()  # every line parses
    assert {x["node"] for x in lines} == {"logger"}
    stored = [x for x in lines if x["logger"] == "proctor.realtime.recorder"]
    assert stored and stored[0]["session_id"] == s["session_id"]
    assert any(x["logger"] == "uvicorn.access" for x in lines)
    assert any(x["message"].startswith("node logger ready") for x in lines)
