"""Two real server processes on PostgreSQL and Redis: a candidate on node A, the interviewer on
node B, and everything between them crosses: presence, events, score, chat, snapshots, WebRTC
signaling, calibration, live analysis and the session's end."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import pytest

from tests.cluster_fixtures import ServerProcess
from tests.server_fixtures import Peer, bearer, now_ms, start_session

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def jpeg() -> bytes:
    ok, data = cv2.imencode(".jpg", np.full((48, 64, 3), 90, np.uint8))
    assert ok
    return bytes(data.tobytes())


async def joined(peer: Peer, session_id: str, role: str, name: str) -> dict[str, Any]:
    ack: dict[str, Any] = await peer.call(
        "join", {"session_id": session_id, "role": role, "name": name}
    )
    assert ack["ok"], ack
    return ack


async def test_everything_crosses_nodes(
    start_node: Callable[..., ServerProcess], pg_url: str, shared_redis: str, peers: Any
) -> None:
    a = start_node("node-a", pg_url, shared_redis)
    b = start_node("node-b", pg_url, shared_redis)
    s = start_session(httpx.Client(base_url=a.url), "Ada")
    sid, intv = s["session_id"], bearer(s["interviewer_token"])
    interviewer = await peers(b.url, s["interviewer_token"])
    candidate = await peers(a.url, s["candidate_token"])
    await joined(interviewer, sid, "interviewer", "Grace")
    ack = await joined(candidate, sid, "candidate", "Ada")

    # Presence spans the nodes: each side sees the other, in the join ack, pushes and REST.
    assert {p["name"] for p in ack["participants"]} == {"Grace", "Ada"}
    both = await interviewer.wait_for("presence", lambda p: len(p["participants"]) == 2)
    assert {p["role"] for p in both["participants"]} == {"interviewer", "candidate"}
    for node in (a, b):
        got = httpx.get(f"{node.url}/sessions/{sid}", headers=intv).json()
        assert sorted(p["name"] for p in got["participants"]) == ["Ada", "Grace"]

    # A browser event stored through A reaches the interviewer on B, with the score.
    ack = await candidate.call("event", {"session_id": sid, "type": "focus_lost", "client_id": "1"})
    assert ack["ok"], ack
    event = await interviewer.wait_for("event", lambda e: e["id"] == ack["event"]["id"])
    assert event["type"] == "focus_lost" and event["name"] == "Ada"
    assert (await interviewer.wait_for("score"))["score"] == 95.0
    # A manual event through B's REST API is pushed from B to B; B's store is A's store.
    r = httpx.post(f"{b.url}/log", json={"session_id": sid, "type": "manual"}, headers=intv)
    assert r.status_code == 201
    await interviewer.wait_for("event", lambda e: e["id"] == r.json()["id"])

    # Chat both ways.
    assert (await interviewer.call("chat", {"session_id": sid, "message": "hello"}))["ok"]
    assert (await candidate.wait_for("chat"))["message"] == "hello"
    assert (await candidate.call("chat", {"session_id": sid, "message": "hi"}))["ok"]
    await interviewer.wait_for("chat", lambda m: m["message"] == "hi" and m["role"] == "candidate")

    # Snapshot: asked on B, answered on A, delivered on B; a replay is refused on either node.
    ask = await interviewer.call("snapshot", {"session_id": sid})
    assert ask["ok"], ask
    request = await candidate.wait_for("snapshot")
    assert request == {"session_id": sid, "request_id": ask["request_id"]}
    image = jpeg()
    answer = {"session_id": sid, "request_id": ask["request_id"], "image": image}
    assert await candidate.call("snapshot", answer) == {"ok": True}
    got = await interviewer.wait_for("snapshot", lambda m: "image" in m)
    assert got["image"] == image and got["request_id"] == ask["request_id"]
    assert (await candidate.call("snapshot", answer))["ok"] is False

    # WebRTC signaling both ways, never echoed to the sender.
    offer = {"type": "offer", "sdp": "v=0\r\n"}
    assert (await candidate.call("signal", {"session_id": sid, "data": offer}))["ok"]
    got = await interviewer.wait_for("signal")
    assert got == {
        "session_id": sid,
        "from_role": "candidate",
        "from": candidate.sio.get_sid(),
        "data": offer,
    }
    answer_sdp = {"type": "answer", "sdp": "v=0\r\n"}
    assert (await interviewer.call("signal", {"session_id": sid, "data": answer_sdp}))["ok"]
    assert (await candidate.wait_for("signal"))["data"] == answer_sdp
    assert len(candidate.of("signal")) == 1 and len(interviewer.of("signal")) == 1

    # The candidate leaves A: the interviewer on B sees it.
    interviewer.received.clear()
    await candidate.close()
    alone = await interviewer.wait_for("presence", lambda p: len(p["participants"]) == 1)
    assert alone["participants"][0]["role"] == "interviewer"

    # Ending on B reaches a candidate on A, and A refuses its frames at once.
    candidate = await peers(a.url, s["candidate_token"])
    await joined(candidate, sid, "candidate", "Ada")
    assert httpx.post(f"{b.url}/sessions/{sid}/end", headers=intv).status_code == 200
    await candidate.wait_for("session_ended")
    for _ in range(50):  # the control message may arrive a moment after session_ended
        ack = await candidate.call("chat", {"session_id": sid, "message": "late"})
        if not ack["ok"]:
            break
        await asyncio.sleep(0.1)
    assert ack == {"ok": False, "error": "the session has ended"}


async def test_analysis_runs_on_the_candidates_node(
    start_node: Callable[..., ServerProcess],
    pg_url: str,
    shared_redis: str,
    peers: Any,
    evalset: Path,
) -> None:
    a = start_node("node-a", pg_url, shared_redis, analysis_workers=1, calibration_seconds=0)
    b = start_node("node-b", pg_url, shared_redis)  # no analysis at all on B
    if a.health().json()["analysis"] != "ok":
        pytest.skip(f"models not usable: {a.health().json()['analysis']} (run `make models`)")
    s = start_session(httpx.Client(base_url=b.url), "Ada")
    sid = s["session_id"]
    interviewer = await peers(b.url, s["interviewer_token"])
    candidate = await peers(a.url, s["candidate_token"])
    await joined(interviewer, sid, "interviewer", "Grace")
    await joined(candidate, sid, "candidate", "Ada")
    image = (evalset / "images" / "noface_livingroom.jpg").read_bytes()
    ts = now_ms()  # every frame says it was taken then: the event tells which frame started it
    for _ in range(120):
        ack = await candidate.call("frame", {"session_id": sid, "image": image, "ts": ts})
        assert ack == {"ok": True, "accepted": True}, ack
        if interviewer.of("event") and candidate.of("notice"):
            break
        await asyncio.sleep(0.4)
    event = await interviewer.wait_for("event", lambda e: e["type"] == "no_face_detected")
    assert event["source"] == "vision" and event["frame_ts"] == ts
    await interviewer.wait_for("score", lambda m: m["score"] < 100)
    assert candidate.of("notice")[0]["type"] == "no_face_detected"

    # Calibration asked on B reaches the analysis on A.
    r = httpx.post(f"{b.url}/sessions/{sid}/calibrate", headers=bearer(s["interviewer_token"]))
    assert r.status_code == 202
    for _ in range(100):
        if any(line["message"] == "calibration restarted" for line in a.logs()):
            break
        await asyncio.sleep(0.1)
    restarted = [line for line in a.logs() if line["message"] == "calibration restarted"]
    assert restarted and restarted[0]["session_id"] == sid and restarted[0]["node"] == "node-a"

    # The candidate leaves A: A ends the open event, and the update crosses to B.
    await candidate.close()
    update = await interviewer.wait_for("event_update", lambda e: e["id"] == event["id"])
    assert update["ended_at"] and update["duration_s"] >= 0

    metrics = {node.name: httpx.get(f"{node.url}/metrics").text for node in (a, b)}
    assert "proctor_frames_analyzed_total 0.0" in metrics["node-b"]
    assert "proctor_frames_analyzed_total 0.0" not in metrics["node-a"]


async def test_presence_of_a_killed_node_expires(
    start_node: Callable[..., ServerProcess], pg_url: str, shared_redis: str, peers: Any
) -> None:
    a = start_node("node-a", pg_url, shared_redis, node_heartbeat_seconds=0.5)
    b = start_node("node-b", pg_url, shared_redis, node_heartbeat_seconds=0.5)
    s = start_session(httpx.Client(base_url=a.url), "Ada")
    sid = s["session_id"]
    interviewer = await peers(b.url, s["interviewer_token"])
    candidate = await peers(a.url, s["candidate_token"])
    await joined(interviewer, sid, "interviewer", "Grace")
    await joined(candidate, sid, "candidate", "Ada")
    await interviewer.wait_for("presence", lambda p: len(p["participants"]) == 2)
    interviewer.received.clear()
    a.kill()
    # Nobody told B that the candidate left: B notices A's silence and drops A's presence.
    alone = await interviewer.wait_for(
        "presence", lambda p: [x["role"] for x in p["participants"]] == ["interviewer"], timeout=30
    )
    assert alone["session_id"] == sid
    got = httpx.get(f"{b.url}/sessions/{sid}", headers=bearer(s["interviewer_token"])).json()
    assert [p["role"] for p in got["participants"]] == ["interviewer"]
    assert any("stopped answering" in line["message"] for line in b.logs())
