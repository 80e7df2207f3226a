"""Every field of every Socket.IO message is type-checked, ``ts`` included: a bad one gets an
error ack naming the field, and nothing is done with the message."""

from __future__ import annotations

from typing import Any

import httpx

from tests.realtime.test_socket import jpeg, room
from tests.server_fixtures import LiveServer, now_ms

YEAR_MS = 365 * 24 * 3600 * 1000
BAD_TS = {
    "text": "not-a-number<script>",
    "huge": 1e308,
    "infinite": float("inf"),  # the client writes Infinity, which Python's JSON reads back
    "NaN": float("nan"),
    "negative": -1,
    "1970": 0,
    "a boolean": True,
    "two years ago": now_ms() - 2 * YEAR_MS,
    "two years ahead": now_ms() + 2 * YEAR_MS,
    "a list": [1],
}


def refused(ack: Any, field: str) -> bool:
    return isinstance(ack, dict) and ack["ok"] is False and ack["error"].startswith(f"{field}:")


async def test_ts_must_be_a_time_near_the_servers(
    server: LiveServer, http: httpx.Client, peers: Any
) -> None:
    s, interviewer, candidate = await room(server, http, peers)
    sid = s["session_id"]
    for what, ts in BAD_TS.items():
        ack = await candidate.call("frame", {"session_id": sid, "image": jpeg(), "ts": ts})
        assert refused(ack, "ts"), (what, ack)
        event = {"session_id": sid, "type": "focus_lost", "client_id": what, "ts": ts}
        ack = await candidate.call("event", event)
        assert refused(ack, "ts"), (what, ack)
    assert interviewer.of("event") == []  # nothing refused was stored
    for ts in (now_ms(), int(now_ms()), now_ms() - YEAR_MS / 2, None):
        ack = await candidate.call("frame", {"session_id": sid, "image": jpeg(), "ts": ts})
        assert ack["ok"], (ts, ack)
    ack = await candidate.call("frame", {"session_id": sid, "image": jpeg()})
    assert ack["ok"], ack


async def test_every_field_of_every_message_is_type_checked(
    server: LiveServer, http: httpx.Client, peers: Any
) -> None:
    s, interviewer, candidate = await room(server, http, peers)
    sid = s["session_id"]
    asked = await interviewer.call("snapshot", {"session_id": sid})
    assert asked["ok"], asked
    good: dict[str, dict[str, Any]] = {
        "join": {"session_id": sid, "role": "candidate", "name": "Ada", "peer": "page-1"},
        "frame": {"session_id": sid, "image": jpeg(), "ts": now_ms()},
        "event": {
            "session_id": sid,
            "type": "focus_lost",
            "detail": "tab",
            "client_id": "c1",
            "ts": now_ms(),
        },
        "chat": {"session_id": sid, "message": "hello", "client_id": "m1"},
        "snapshot": {"session_id": sid, "request_id": asked["request_id"], "image": jpeg()},
        "signal": {"session_id": sid, "data": {"ready": True}},
        "calibrate": {"session_id": sid},
        "audio": {"session_id": sid, "data": b"\x1a\x45\xdf\xa3\x80", "seq": 0, "ts": now_ms()},
    }
    wrong = {  # per field, a value of the wrong type
        "session_id": 12,
        "role": ["candidate"],
        "name": 5,
        "peer": {"id": 1},
        "image": "not bytes",
        "type": 3,
        "detail": b"bytes",
        "client_id": 7,
        "message": ["hi"],
        "request_id": 1.5,
        "data": ["offer"],
        "to": 9,
        "ts": "soon",
        "seq": "0",
    }
    for name, payload in good.items():
        fields = [*payload, *(["to"] if name == "signal" else [])]
        for field in fields:
            bad = {**payload, field: wrong[field]}
            ack = await candidate.call(name, bad)
            assert refused(ack, field), (name, field, ack)
        ack = await candidate.call(name, {**payload, "extra": 1})
        assert ack == {"ok": False, "error": "'extra' is not a field of this message"}, (name, ack)
        ack = await candidate.call(name, payload)
        assert ack["ok"], (name, ack)
    # A candidate's snapshot needs its request and its image.
    ack = await candidate.call("snapshot", {"session_id": sid, "request_id": "r"})
    assert ack == {
        "ok": False,
        "error": "request_id and image are required in a candidate's snapshot",
    }
