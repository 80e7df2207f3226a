"""Property-based fuzzing of every Socket.IO message against a real server.

Whatever a joined client sends (any message name, any JSON-like payload, wrong types, huge
strings, bytes where text belongs, deep nesting, several arguments), the server answers with
an ack ``{"ok": true, ...}`` or ``{"ok": false, "error": "..."}``, keeps serving everyone, and
what was stored before is still there, next to exactly what it acknowledged as stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proctor.db import repo
from tests.fuzz.payloads import KNOWN_EVENTS, event_names, payloads
from tests.server_fixtures import LiveServer, Peer, bearer, start_session

EXAMPLES = 400
GENEROUS_LIMITS = {
    "message_rate_per_s": 1000.0,
    "message_burst": 10_000,
    "chat_rate_per_s": 1000.0,
    "chat_burst": 10_000,
    "frame_rate_per_s": 100.0,
    "frame_burst": 1000,
}


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop the hypothesis examples run their calls on, one at a time."""
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def joined(loop: asyncio.AbstractEventLoop, url: str, s: dict[str, Any], role: str) -> Peer:
    peer = Peer(url, s[f"{role}_token"])
    loop.run_until_complete(peer.connect())
    ack = loop.run_until_complete(peer.call("join", {"session_id": s["session_id"], "role": role}))
    assert ack["ok"], ack
    return peer


def check_ack(ack: Any) -> None:
    assert isinstance(ack, dict), ack
    assert ack.get("ok") in (True, False), ack
    if ack["ok"] is False:
        assert isinstance(ack.get("error"), str) and ack["error"], ack
        assert "could not handle" not in ack["error"], ack  # a handler raised: a bug


def test_any_payload_gets_a_clear_ack_and_nothing_stored_is_lost(
    start_server: Callable[..., LiveServer], loop: asyncio.AbstractEventLoop
) -> None:
    server = start_server(**GENEROUS_LIMITS)
    with httpx.Client(base_url=server.url, timeout=60) as http:
        s, other = start_session(http, "Ada"), start_session(http, "Bob")
        sid = s["session_id"]
        cand = bearer(s["candidate_token"])
        seeded = http.post("/log", json={"session_id": sid, "type": "copy_paste"}, headers=cand)
        assert seeded.status_code == 201
        candidate = joined(loop, server.url, s, "candidate")
        interviewer = joined(loop, server.url, s, "interviewer")
        first = loop.run_until_complete(
            candidate.call("chat", {"session_id": sid, "message": "before the fuzz"})
        )
        assert first["ok"]
        stored_events = {seeded.json()["id"]}
        stored_chat = ["before the fuzz"]
        peers = {"candidate": candidate, "interviewer": interviewer}

        @given(
            who=st.sampled_from(sorted(peers)),
            name=event_names,
            data=st.data(),
            many=st.sampled_from([False, False, False, False, True]),
        )
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def send(who: str, name: str, data: st.DataObject, many: bool) -> None:
            payload = data.draw(payloads(name, who, sid, other["session_id"]), label="payload")
            args = (payload, "surplus") if many else payload
            ack = loop.run_until_complete(peers[who].call(name, args, timeout=30))
            check_ack(ack)
            if not ack["ok"] and ack["error"].startswith("the message is malformed"):
                return  # a number too long for the server's JSON: refused before any handler
            if name not in KNOWN_EVENTS:
                assert ack["ok"] is False and "unknown message type" in ack["error"]
            elif many:
                assert ack == {"ok": False, "error": "send one payload object"}
            elif name == "event" and ack["ok"]:
                assert ack["event"]["session_id"] == sid
                stored_events.add(ack["event"]["id"])
            elif name == "chat" and ack["ok"]:
                stored_chat.append(ack["message"]["message"])

        send()

        # Everyone is still served: the connections live, a chat goes through to the room.
        assert candidate.sio.connected and interviewer.sio.connected
        ack = loop.run_until_complete(
            candidate.call("chat", {"session_id": sid, "message": "after the fuzz"})
        )
        assert ack["ok"], ack
        stored_chat.append("after the fuzz")
        loop.run_until_complete(
            interviewer.wait_for("chat", lambda m: m["message"] == "after the fuzz", timeout=30)
        )
        events = http.get(f"/sessions/{sid}/events", headers=bearer(s["interviewer_token"]))
        assert events.status_code == 200
        assert {e["id"] for e in events.json()} == stored_events
        with server.ctx.sessions() as db:
            assert [c.message for c in repo.list_chat(db, sid)] == stored_chat
            assert repo.list_chat(db, other["session_id"]) == []
        assert http.get("/healthz").status_code == 200
        for peer in peers.values():
            loop.run_until_complete(peer.close())


def test_a_packet_over_the_size_limit_closes_only_that_connection(
    start_server: Callable[..., LiveServer], loop: asyncio.AbstractEventLoop
) -> None:
    server = start_server(max_frame_bytes=64 * 1024)  # packets over ~190 kB are refused
    with httpx.Client(base_url=server.url, timeout=60) as http:
        s = start_session(http)
        big, calm = (
            joined(loop, server.url, s, "candidate"),
            joined(loop, server.url, s, "interviewer"),
        )
        huge = {"session_id": s["session_id"], "message": "x" * 400_000}
        loop.run_until_complete(big.sio.emit("chat", huge))

        async def closed() -> None:
            while big.sio.connected:
                await asyncio.sleep(0.05)

        loop.run_until_complete(asyncio.wait_for(closed(), 30))
        ack = loop.run_until_complete(
            calm.call("chat", {"session_id": s["session_id"], "message": "still here"})
        )
        assert ack["ok"], ack
        again = joined(loop, server.url, s, "candidate")  # the candidate may simply reconnect
        assert again.sio.connected
        for peer in (big, calm, again):
            loop.run_until_complete(peer.close())
