"""Live analysis with the real models on real frames from the evaluation set."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import pypdf
import pytest

from tests.conftest import require
from tests.fuzz.images import patch_sof
from tests.server_fixtures import LiveServer, bearer, now_ms, start_session
from tests.vision.composites import background_face_frame

pytestmark = [pytest.mark.models, pytest.mark.slow]

PHONE_FRAME = "phones/images/phone_dev_008.jpg"  # one face, a phone held up (CenterNet ~0.4)
NO_FACE_FRAME = "images/noface_livingroom.jpg"


@pytest.fixture
def vision_server(start_server: Callable[..., LiveServer]) -> LiveServer:
    live = start_server(analysis_workers=1, calibration_seconds=0)
    require(live.ctx.pool.ready, f"models not usable: {live.ctx.pool.error} (run `make models`)")
    return live


async def send_until(
    candidate: Any, session_id: str, image: bytes, done: Callable[[], bool], seconds: float = 60
) -> int:
    """Send ``image`` a few times a second (like a webcam) until ``done()``; returns the count."""
    sent = 0
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not done():
        assert loop.time() < deadline, f"nothing after {sent} frames; got {candidate.summary()}"
        ack = await candidate.call(
            "frame", {"session_id": session_id, "image": image, "ts": now_ms()}
        )
        assert ack == {"ok": True, "accepted": True}, ack
        sent += 1
        await asyncio.sleep(0.4)
    return sent


async def joined(
    live: LiveServer, http: httpx.Client, peers: Any
) -> tuple[dict[str, str], Any, Any]:
    s = start_session(http, "Ada Lovelace")
    interviewer = await peers(live.url, s["interviewer_token"])
    candidate = await peers(live.url, s["candidate_token"])
    for peer, role in ((interviewer, "interviewer"), (candidate, "candidate")):
        ack = await peer.call("join", {"session_id": s["session_id"], "role": role})
        assert ack["ok"], ack
    return s, interviewer, candidate


async def test_phone_is_an_event_for_the_interviewer_only(
    vision_server: LiveServer, evalset: Path, peers: Any
) -> None:
    live = vision_server
    image = (evalset / PHONE_FRAME).read_bytes()
    with httpx.Client(base_url=live.url, timeout=120) as http:
        s, interviewer, candidate = await joined(live, http, peers)
        sid, intv = s["session_id"], bearer(s["interviewer_token"])

        def phone_seen() -> bool:
            return any(e["detail"] == "cell_phone" for e in interviewer.of("event"))

        await send_until(candidate, sid, image, phone_seen)
        event = next(e for e in interviewer.of("event") if e["detail"] == "cell_phone")
        assert event["type"] == "object_detected" and event["source"] == "vision"
        assert event["role"] == "candidate" and event["name"] == "Ada Lovelace"
        assert 0 < event["confidence"] <= 1 and event["latency_ms"] >= 0
        score = await interviewer.wait_for("score", lambda x: x["score"] < 100)
        assert {"type": "object_detected", "count": 1, "deduction": 10.0} in score["breakdown"]
        # The candidate hears nothing of it: no event, no score, no notice about objects.
        assert candidate.of("event") == [] and candidate.of("score") == []
        assert all(n["type"] != "object_detected" for n in candidate.of("notice"))

        thumb = http.get(event["evidence_url"], headers=intv)
        assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
        decoded = cv2.imdecode(np.frombuffer(thumb.content, np.uint8), cv2.IMREAD_COLOR)
        assert decoded is not None and decoded.shape[1] == 320

        ended = http.post(f"/sessions/{sid}/end", headers=intv)
        assert ended.status_code == 200
        update = await interviewer.wait_for("event_update", lambda e: e["id"] == event["id"])
        assert update["ended_at"] and update["duration_s"] >= 0
        stored = http.get(f"/sessions/{sid}/events", headers=intv).json()
        phone = [e for e in stored if e["detail"] == "cell_phone"]
        assert len(phone) == 1 and phone[0]["ended_at"] == update["ended_at"]
        assert all(e["ended_at"] for e in stored if e["source"] == "vision")

        pdf = http.get(f"/report/{sid}", headers=intv)
        assert pdf.status_code == 200
        text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
        assert "Ada Lovelace" in text and "cell phone" in text.lower()


async def test_no_face_is_an_event_and_a_notice_to_the_candidate(
    vision_server: LiveServer, evalset: Path, peers: Any
) -> None:
    live = vision_server
    image = (evalset / NO_FACE_FRAME).read_bytes()
    with httpx.Client(base_url=live.url, timeout=120) as http:
        s, interviewer, candidate = await joined(live, http, peers)
        sid = s["session_id"]

        def noticed() -> bool:
            return bool(candidate.of("notice")) and any(
                e["type"] == "no_face_detected" for e in interviewer.of("event")
            )

        await send_until(candidate, sid, image, noticed)
        notice = candidate.of("notice")[0]
        assert notice["type"] == "no_face_detected" and notice["session_id"] == sid
        assert "face" in notice["message"].lower()
        no_face = [e for e in interviewer.of("event") if e["type"] == "no_face_detected"]
        assert len(no_face) == 1  # one event however many frames
        assert candidate.of("event") == []
        events = http.get(f"/sessions/{sid}/events", headers=bearer(s["interviewer_token"])).json()
        assert [e["id"] for e in events if e["type"] == "no_face_detected"] == [no_face[0]["id"]]
        ack = await candidate.call("calibrate", {"session_id": sid})
        assert ack == {"ok": True}
        # Calibration starts again: the candidate's page is asked to look at the screen.
        calibrating = await candidate.wait_for("notice", lambda n: n["type"] == "calibrating")
        assert calibrating["session_id"] == sid and "look at the screen" in calibrating["message"]
        # The candidate leaves: nobody is watched, so the open event ends now.
        await candidate.close()
        update = await interviewer.wait_for("event_update", lambda e: e["id"] == no_face[0]["id"])
        assert update["ended_at"] and update["duration_s"] >= 0
        metrics = http.get("/metrics").text
        analyzed = next(
            line
            for line in metrics.splitlines()
            if line.startswith("proctor_frames_analyzed_total")
        )
        assert float(analyzed.split()[1]) >= 2


async def test_undecodable_jpeg_is_counted_and_the_session_goes_on(
    vision_server: LiveServer, evalset: Path, peers: Any
) -> None:
    live = vision_server
    good = (evalset / NO_FACE_FRAME).read_bytes()
    truncated = good[: len(good) // 2]  # starts like a JPEG, ends too early
    twelve_bit = patch_sof(good, precision=12)  # a sound header, data no decoder here reads
    with httpx.Client(base_url=live.url, timeout=120) as http:
        s, interviewer, candidate = await joined(live, http, peers)
        sid = s["session_id"]
        ack = await candidate.call("frame", {"session_id": sid, "image": truncated})
        assert ack["ok"] is False and "truncated" in ack["error"]  # seen from the header
        ack = await candidate.call("frame", {"session_id": sid, "image": twelve_bit})
        assert ack["ok"] is True  # refused later, by the decoder in the worker
        stats = live.ctx.live.stats
        for _ in range(200):
            if stats.frame_errors:
                break
            await asyncio.sleep(0.1)
        assert stats.frame_errors == 1
        await send_until(candidate, sid, good, lambda: any(interviewer.of("event")), seconds=60)


async def test_a_killed_worker_is_replaced(
    vision_server: LiveServer, evalset: Path, peers: Any
) -> None:
    import os
    import signal

    live = vision_server
    pool = live.ctx.pool
    executor = pool._executor
    assert executor is not None
    for pid in list(executor._processes):
        os.kill(pid, signal.SIGKILL)
    image = (evalset / NO_FACE_FRAME).read_bytes()
    with httpx.Client(base_url=live.url, timeout=120) as http:
        s, interviewer, candidate = await joined(live, http, peers)
        await send_until(
            candidate, s["session_id"], image, lambda: any(interviewer.of("event")), seconds=90
        )
    assert pool.restarts == 1 and pool.ready


async def test_a_background_face_starts_a_multiple_faces_event(
    start_server: Callable[..., LiveServer], evalset: Path, peers: Any
) -> None:
    """The live cadence runs the full-range face model only every third frame while the
    short-range one is sure of the candidate; a background face only the full-range model sees
    must still start the event (the rules need it on two frames of three)."""
    live = start_server(analysis_workers=1, calibration_seconds=0, full_range_every=3)
    require(live.ctx.pool.ready, f"models not usable: {live.ctx.pool.error} (run `make models`)")
    image = background_face_frame(evalset)
    with httpx.Client(base_url=live.url, timeout=120) as http:
        s, interviewer, candidate = await joined(live, http, peers)

        def several_faces() -> bool:
            return any(e["type"] == "multiple_faces_detected" for e in interviewer.of("event"))

        await send_until(candidate, s["session_id"], image, several_faces)
        event = next(e for e in interviewer.of("event") if e["type"] == "multiple_faces_detected")
        assert event["source"] == "vision" and 0 < event["confidence"] <= 1
