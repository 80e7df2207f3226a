"""Socket.IO against a real server: auth, join, presence, chat, events, snapshot, signal, end."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import cv2
import httpx
import numpy as np
import pytest
import socketio

from tests.server_fixtures import LiveServer, bearer, now_ms, start_session


def jpeg(width: int = 64, height: int = 48) -> bytes:
    ok, data = cv2.imencode(".jpg", np.full((height, width, 3), 90, np.uint8))
    assert ok
    return data.tobytes()


async def room(
    server: LiveServer, http: httpx.Client, peers: Any
) -> tuple[dict[str, str], Any, Any]:
    """A session with its interviewer and candidate connected and joined."""
    s = start_session(http, "Ada")
    sid = s["session_id"]
    interviewer = await peers(server.url, s["interviewer_token"])
    candidate = await peers(server.url, s["candidate_token"])
    ack = await interviewer.call(
        "join", {"session_id": sid, "role": "interviewer", "name": "Grace"}
    )
    assert ack["ok"], ack
    ack = await candidate.call("join", {"session_id": sid, "role": "candidate", "name": "Ada"})
    assert ack["ok"], ack
    return s, interviewer, candidate


async def test_connect_needs_a_valid_token(server: LiveServer, peers: Any) -> None:
    for token in (None, "", "wrong-token"):
        with pytest.raises(socketio.exceptions.ConnectionError):
            await peers(server.url, token)


async def test_join_checks_role_and_session(
    server: LiveServer, http: httpx.Client, peers: Any
) -> None:
    a, b = start_session(http), start_session(http)
    peer = await peers(server.url, a["candidate_token"])
    ack = await peer.call(
        "join", {"session_id": a["session_id"], "role": "interviewer", "name": "X"}
    )
    assert ack == {"ok": False, "error": "this token is the candidate's, not the interviewer's"}
    ack = await peer.call("join", {"session_id": b["session_id"], "role": "candidate", "name": "X"})
    assert ack["ok"] is False and "not allowed" in ack["error"]
    for bad in ("nonsense", {"session_id": a["session_id"], "role": "king"}, {"role": "candidate"}):
        ack = await peer.call("join", bad)
        assert ack["ok"] is False and ack["error"]
    ack = await peer.call("chat", {"session_id": a["session_id"], "message": "hi"})
    assert ack == {"ok": False, "error": "join the session first"}
    ack = await peer.call("join", {"session_id": a["session_id"], "role": "candidate"})
    assert ack["ok"] is True
    assert ack["session"]["session_id"] == a["session_id"] and ack["session"]["status"] == "active"
    assert ack["participants"] == [
        {"role": "candidate", "name": "Ada Lovelace", "sid": peer.sio.get_sid()}
    ]


async def test_presence_on_join_and_leave(
    server: LiveServer, http: httpx.Client, peers: Any
) -> None:
    s, interviewer, candidate = await room(server, http, peers)
    both = await interviewer.wait_for("presence", lambda p: len(p["participants"]) == 2)
    assert {(p["role"], p["name"]) for p in both["participants"]} == {
        ("interviewer", "Grace"),
        ("candidate", "Ada"),
    }
    session = http.get(
        f"/sessions/{s['session_id']}", headers=bearer(s["interviewer_token"])
    ).json()
    assert {p["role"] for p in session["participants"]} == {"interviewer", "candidate"}
    await candidate.close()
    alone = await interviewer.wait_for("presence", lambda p: len(p["participants"]) == 1)
    assert alone["participants"][0]["role"] == "interviewer"


async def test_chat_is_broadcast_stored_and_limited(
    server: LiveServer, http: httpx.Client, peers: Any
) -> None:
    s, interviewer, candidate = await room(server, http, peers)
    sid = s["session_id"]
    ack = await candidate.call("chat", {"session_id": sid, "message": "Hello <b>&amp; 李雷 🙂"})
    assert ack["ok"] is True
    got = await interviewer.wait_for("chat")
    assert got["message"] == "Hello <b>&amp; 李雷 🙂"
    assert got["role"] == "candidate" and got["name"] == "Ada" and got["timestamp"].endswith("Z")
    await candidate.wait_for("chat")  # the sender is in the room too
    ack = await interviewer.call("chat", {"session_id": sid, "message": "x" * 2001})
    assert ack == {"ok": False, "error": "message too long: 2001 characters (limit 2000)"}
    assert (await interviewer.call("chat", {"session_id": sid, "message": "x" * 2000}))["ok"]
    for bad in (
        {"session_id": sid, "message": "   "},
        {"session_id": sid, "message": 5},
        {"session_id": sid},
    ):
        ack = await interviewer.call("chat", bad)
        assert ack["ok"] is False and ack["error"]
    from proctor.db import repo

    with server.ctx.sessions() as db:
        assert [len(c.message) for c in repo.list_chat(db, sid)] == [len(got["message"]), 2000]


async def test_chat_resent_with_its_client_id_is_stored_and_shown_once(
    server: LiveServer, http: httpx.Client, peers: Any
) -> None:
    s, interviewer, candidate = await room(server, http, peers)
    sid = s["session_id"]
    msg = {"session_id": sid, "message": "Can you hear me?", "client_id": "m1"}
    first = await candidate.call("chat", msg)
    assert first["ok"] is True
    assert (await interviewer.wait_for("chat"))["message"] == "Can you hear me?"
    # A resend after a lost ack, and two at once: the stored message, broadcast no more.
    again = await candidate.call("chat", msg)
    both = await asyncio.gather(*(candidate.call("chat", msg) for _ in range(2)))
    assert again == first and all(ack == first for ack in both)
    other = {"session_id": sid, "message": "Yes", "client_id": "m2"}
    assert (await interviewer.call("chat", other))["ok"]
    await interviewer.wait_for("chat", lambda m: m["message"] == "Yes")
    assert [m["message"] for m in interviewer.of("chat")] == ["Can you hear me?", "Yes"]
    from proctor.db import repo

    with server.ctx.sessions() as db:
        assert [c.message for c in repo.list_chat(db, sid)] == ["Can you hear me?", "Yes"]
    bad = await candidate.call("chat", {**msg, "client_id": "x" * 101})
    assert bad["ok"] is False and "client_id" in bad["error"]


async def test_browser_event_reaches_interviewers_only(
    server: LiveServer, http: httpx.Client, peers: Any
) -> None:
    s, interviewer, candidate = await room(server, http, peers)
    sid = s["session_id"]
    msg = {"session_id": sid, "type": "focus_lost", "detail": "tab hidden", "client_id": "e1"}
    ack = await candidate.call("event", msg)
    assert ack["ok"] is True and ack["event"]["type"] == "focus_lost"
    assert ack["event"]["source"] == "browser" and ack["event"]["client_id"] == "e1"
    event = await interviewer.wait_for("event")
    assert event["id"] == ack["event"]["id"] and event["name"] == "Ada"
    score = await interviewer.wait_for("score")
    assert score["session_id"] == sid and score["score"] == 95.0
    again = await candidate.call("event", msg)  # a resend after a lost ack
    assert again["ok"] and again["event"]["id"] == ack["event"]["id"]
    ack = await candidate.call("event", {"session_id": sid, "type": "manual", "client_id": "e2"})
    assert ack["ok"] is False and "candidate may send only" in ack["error"]
    ack = await interviewer.call("event", {"session_id": sid, "type": "manual", "detail": "phone?"})
    assert ack["ok"] and ack["event"]["source"] == "manual"
    await interviewer.wait_for("event", lambda e: e["type"] == "manual")
    assert candidate.of("event") == [] and candidate.of("score") == []
    stored = http.get(f"/sessions/{sid}/events", headers=bearer(s["interviewer_token"])).json()
    assert [e["type"] for e in stored] == ["focus_lost", "manual"]


async def test_rest_log_is_pushed_to_interviewers(
    server: LiveServer, http: httpx.Client, peers: Any
) -> None:
    s, interviewer, _ = await room(server, http, peers)
    r = http.post(
        "/log",
        json={"session_id": s["session_id"], "type": "copy_paste"},
        headers=bearer(s["candidate_token"]),
    )
    assert r.status_code == 201
    event = await interviewer.wait_for("event")
    assert event["id"] == r.json()["id"]


async def test_snapshot_round_trip(server: LiveServer, http: httpx.Client, peers: Any) -> None:
    s, interviewer, candidate = await room(server, http, peers)
    sid = s["session_id"]
    ack = await interviewer.call("snapshot", {"session_id": sid})
    assert ack["ok"] and ack["request_id"]
    asked = await candidate.wait_for("snapshot")
    assert asked == {"session_id": sid, "request_id": ack["request_id"]}
    image = jpeg()
    bad = await candidate.call(
        "snapshot", {"session_id": sid, "request_id": ack["request_id"], "image": b"GIF89a"}
    )
    assert bad == {"ok": False, "error": "image is not a JPEG"}
    forged = await candidate.call(
        "snapshot", {"session_id": sid, "request_id": "made-up", "image": image}
    )
    assert forged == {"ok": False, "error": "unknown snapshot request"}
    done = await candidate.call(
        "snapshot", {"session_id": sid, "request_id": ack["request_id"], "image": image}
    )
    assert done == {"ok": True}
    got = await interviewer.wait_for("snapshot")
    assert got["request_id"] == ack["request_id"] and got["image"] == image and got["timestamp"]
    replay = await candidate.call(
        "snapshot", {"session_id": sid, "request_id": ack["request_id"], "image": image}
    )
    assert replay["ok"] is False


async def test_signal_is_relayed_to_the_other_peer(
    server: LiveServer, http: httpx.Client, peers: Any
) -> None:
    s, interviewer, candidate = await room(server, http, peers)
    offer = {"type": "offer", "sdp": "v=0\r\n..."}
    assert (await candidate.call("signal", {"session_id": s["session_id"], "data": offer}))["ok"]
    got = await interviewer.wait_for("signal")
    assert got == {
        "session_id": s["session_id"],
        "from_role": "candidate",
        "from": candidate.sio.get_sid(),
        "data": offer,
    }
    assert candidate.of("signal") == []
    ack = await candidate.call("signal", {"session_id": s["session_id"], "data": "nope"})
    assert ack["ok"] is False
    ack = await candidate.call(
        "signal", {"session_id": s["session_id"], "data": {"sdp": "x" * 70_000}}
    )
    assert ack["ok"] is False and "too large" in ack["error"]


async def test_signal_to_one_peer_reaches_only_that_peer(
    server: LiveServer, http: httpx.Client, peers: Any
) -> None:
    s, proctor, candidate = await room(server, http, peers)
    sid = s["session_id"]
    supervisor = await peers(server.url, s["interviewer_token"])
    ack = await supervisor.call("join", {"session_id": sid, "role": "interviewer", "peer": "p-2"})
    assert ack["ok"], ack
    # Presence names each page, so the candidate can keep one video link per interviewer.
    listed = await candidate.wait_for("presence", lambda p: len(p["participants"]) == 3)
    pages = {p["sid"]: p.get("peer") for p in listed["participants"]}
    assert pages[supervisor.sio.get_sid()] == "p-2"
    offer = {"conn": "k2", "description": {"type": "offer", "sdp": "v=0"}}
    to = supervisor.sio.get_sid()
    ack = await candidate.call("signal", {"session_id": sid, "data": offer, "to": to})
    assert ack == {"ok": True}
    got = await supervisor.wait_for("signal")
    assert got["data"] == offer and got["from"] == candidate.sio.get_sid()
    answer = {"conn": "k2", "description": {"type": "answer", "sdp": "v=0"}}
    ack = await supervisor.call("signal", {"session_id": sid, "data": answer, "to": got["from"]})
    assert ack == {"ok": True}
    assert (await candidate.wait_for("signal"))["data"] == answer
    # A sid of another session, or one that left, is no target.
    other = start_session(http, "Other")
    stranger = await peers(server.url, other["interviewer_token"])
    ack = await stranger.call("join", {"session_id": other["session_id"], "role": "interviewer"})
    assert ack["ok"], ack
    for target in (stranger.sio.get_sid(), "no-such-sid", candidate.sio.get_sid()):
        ack = await candidate.call("signal", {"session_id": sid, "data": offer, "to": target})
        assert ack == {"ok": False, "error": "no such peer in this session"}, target
    await asyncio.sleep(0.3)  # anything misrouted would have arrived by now
    assert proctor.of("signal") == [] and stranger.of("signal") == []
    assert len(supervisor.of("signal")) == 1


async def test_frame_validation(server: LiveServer, http: httpx.Client, peers: Any) -> None:
    s, interviewer, candidate = await room(server, http, peers)
    sid = s["session_id"]
    ack = await interviewer.call("frame", {"session_id": sid, "image": jpeg(), "ts": now_ms()})
    assert ack == {"ok": False, "error": "only the candidate may send this"}
    ack = await candidate.call(
        "frame", {"session_id": sid, "image": b"\x89PNG\r\n\x1a\n" + b"0" * 100}
    )
    assert ack == {"ok": False, "error": "image is not a JPEG"}
    ack = await candidate.call("frame", {"session_id": sid, "image": "not bytes"})
    assert ack == {"ok": False, "error": "image: Input should be a valid bytes"}
    big = b"\xff\xd8\xff" + b"\x00" * (2 * 1024 * 1024)
    ack = await candidate.call("frame", {"session_id": sid, "image": big})
    assert ack["ok"] is False and ack["error"].startswith("image too large")
    ack = await candidate.call("frame", {"session_id": "other", "image": jpeg()})
    assert ack["ok"] is False and "not allowed" in ack["error"]
    ack = await candidate.call("frame", {"session_id": sid, "image": jpeg(), "ts": now_ms()})
    assert ack["ok"] is True  # analysis is off in this server: accepted is False
    assert (await candidate.call("chat", {"session_id": sid, "message": "still here"}))["ok"]


async def test_frame_flood_is_rate_limited_per_connection(
    start_server: Callable[..., LiveServer], peers: Any
) -> None:
    """The refill is slow (one frame in 100 s) so the count cannot depend on how fast the
    machine answers: exactly the burst passes."""
    server = start_server(frame_rate_per_s=0.01, frame_burst=10)
    with httpx.Client(base_url=server.url, timeout=30) as http:
        s, _, flooder = await room(server, http, peers)
        other = start_session(http, "Bob")
        calm = await peers(server.url, other["candidate_token"])
        joined = await calm.call("join", {"session_id": other["session_id"], "role": "candidate"})
        assert joined["ok"], joined
        frame = jpeg()
        acks = [
            await flooder.call("frame", {"session_id": s["session_id"], "image": frame})
            for _ in range(40)
        ]
        assert [a["ok"] for a in acks] == [True] * 10 + [False] * 30
        assert all(a["error"] == "rate limited" for a in acks[10:])
        ack = await calm.call("frame", {"session_id": other["session_id"], "image": frame})
        assert ack["ok"] is True
        assert http.get("/healthz").status_code == 200


async def test_session_end_reaches_the_room(
    server: LiveServer, http: httpx.Client, peers: Any
) -> None:
    s, interviewer, candidate = await room(server, http, peers)
    sid = s["session_id"]
    r = http.post(f"/sessions/{sid}/end", headers=bearer(s["interviewer_token"]))
    assert r.status_code == 200
    for peer in (interviewer, candidate):
        ended = await peer.wait_for("session_ended")
        assert ended == {"session_id": sid, "ended_at": r.json()["ended_at"]}
    ack = await candidate.call("frame", {"session_id": sid, "image": jpeg()})
    assert ack == {"ok": False, "error": "the session has ended"}
    late = await peers(server.url, s["candidate_token"])
    ack = await late.call("join", {"session_id": sid, "role": "candidate"})
    assert ack == {"ok": False, "error": "the session has ended"}
