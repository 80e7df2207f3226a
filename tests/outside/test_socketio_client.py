"""The official JavaScript socket.io-client (4.8, the web app's own copy) against a live server,
driven from Node as an outside client: the main flow of both roles, and packets that break the
protocol, each of which must close the connection at once so the client reconnects and joins
again. Node and web/node_modules are needed: missing, the tests skip (and fail under CI=true).
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import EVALSET_DIR, PROJECT_ROOT, require
from tests.server_fixtures import LiveServer, start_session

SCRIPT = Path(__file__).with_name("socketio_client.mjs")
WEB_DIR = PROJECT_ROOT / "web"
CLIENT = WEB_DIR / "node_modules" / "socket.io-client"
IMAGE = EVALSET_DIR / "images" / "single_grace_hopper.jpg"
# The client must see `disconnect` this soon after a broken packet (the ping timeout is 45 s).
DISCONNECT_WITHIN_MS = 5000
RECONNECT_REASONS = ("transport close", "transport error")  # socket.io-client reconnects on both


def placeholder(num: Any) -> str:
    return "51-" + json.dumps(["frame", {"image": {"_placeholder": True, "num": num}}])


# What a client writes with `socket.io.engine.write()`: each goes in an Engine.IO MESSAGE.
BROKEN: dict[str, list[str | dict[str, str]]] = {
    # The three reported, as written in the report (each also reads as a CONNECT_ERROR packet,
    # which no client may send)...
    "garbage": ["42[garbage not json"],
    "unknown type": ["9xyz"],
    "fake placeholder": ['451-["frame",{"_placeholder":true,"num":0}]'],
    # ... and the Socket.IO packets they stand for: an event with broken JSON (no id to answer),
    # a binary event whose attachment never comes, one whose placeholder names no attachment.
    "event with broken JSON": ["2[garbage not json"],
    "attachment never sent": [placeholder(0)],
    "placeholder out of range": [placeholder(3), {"base64": base64.b64encode(b"\xff").decode()}],
}


@pytest.fixture
def node() -> str:
    """Node.js, with socket.io-client installed; checked before any server starts."""
    found = shutil.which("node")
    require(found is not None, "Node.js not found: it runs the official socket.io-client")
    require(
        (CLIENT / "package.json").is_file(),
        f"socket.io-client not installed in {WEB_DIR / 'node_modules'} (make -C web build)",
    )
    assert found is not None
    return found


def run_client(node: str, server: LiveServer, config: dict[str, Any]) -> dict[str, Any]:
    config = {"web_dir": str(WEB_DIR), "url": server.url, "transports": ["websocket"], **config}
    done = subprocess.run(
        [node, str(SCRIPT), json.dumps(config)], capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def check_closed(outcome: dict[str, Any], what: str) -> None:
    assert outcome["reason"] in RECONNECT_REASONS, (what, outcome)
    assert outcome["disconnect_ms"] < DISCONNECT_WITHIN_MS, (what, outcome)
    assert outcome["will_reconnect"] and outcome["rejoined"], (what, outcome)


def test_main_flow_of_both_roles(node: str, server: LiveServer, http: httpx.Client) -> None:
    require(IMAGE.is_file(), f"evaluation set not found at {EVALSET_DIR} (set PROCTOR_EVALSET)")
    s = start_session(http, "Ada")
    report = run_client(
        node,
        server,
        {
            "steps": ["flow"],
            "session_id": s["session_id"],
            "candidate_token": s["candidate_token"],
            "interviewer_token": s["interviewer_token"],
            "image_path": str(IMAGE),
            "transports": ["websocket", "polling"],  # as the web app has it
        },
    )
    joined = report["joined"]
    assert joined["interviewer"]["ok"] and joined["candidate"]["ok"], joined
    assert sorted(joined["presence"]) == ["candidate", "interviewer"], joined
    # This server runs no analysis: frames are taken, and said not to be analysed.
    assert all(a["ok"] is True and a["accepted"] is False for a in report["frames"]), report
    event = report["event"]
    assert event["ack"]["ok"], event
    assert event["at_interviewer"]["id"] == event["ack"]["event"]["id"], event
    assert event["at_interviewer"]["type"] == "focus_lost", event
    chat = report["chat"]
    assert all(a["ok"] for a in chat["acks"]), chat
    assert chat["at_interviewer"]["role"] == "candidate", chat
    assert chat["at_candidate"]["role"] == "interviewer", chat
    broken = report["broken"]
    check_closed(broken, "garbage")
    assert broken["chat_after"]["ok"] and broken["at_interviewer"]["message"] == "Back again"
    assert broken["interviewer_connected"], broken  # the other peer never noticed


# WebSocket (as the web app connects), long-polling, and the library's default: long-polling
# first, upgraded to a WebSocket when it can.
@pytest.mark.parametrize("transports", ["websocket", "polling", "polling,websocket"])
def test_each_broken_packet_closes_the_connection_at_once(
    node: str, server: LiveServer, http: httpx.Client, transports: str
) -> None:
    s = start_session(http, "Ada")
    report = run_client(
        node,
        server,
        {
            "steps": ["broken"],
            "session_id": s["session_id"],
            "candidate_token": s["candidate_token"],
            "transports": transports.split(","),
            "broken": list(BROKEN.values()),
        },
    )
    for what, outcome in zip(BROKEN, report["broken"], strict=True):
        check_closed(outcome, what)
        if "," not in transports:
            assert outcome["transport"] == transports, (what, outcome)
    assert http.get("/healthz").status_code == 200
