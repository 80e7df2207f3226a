"""Alerts from live analysis, with the real models on real frames: a phone held up sends one
email (to a real SMTP server, the evidence thumbnail attached) and one json:// post, calm
frames send nothing, and a receiver that never answers does not hold up the next events."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.alerts.receivers import HttpReceiver, SmtpReceiver
from tests.conftest import require
from tests.server_fixtures import LiveServer, start_session

pytestmark = [pytest.mark.models, pytest.mark.slow]

PHONE_FRAME = "phones/images/phone_dev_008.jpg"  # one face, a phone held up
CALM_FRAME = "images/single_woman_plain_bg.jpg"  # one face, nothing else
NO_FACE_FRAME = "images/noface_livingroom.jpg"


def vision_server(start_server: Callable[..., LiveServer], **alerts: Any) -> LiveServer:
    live = start_server(
        analysis_workers=1,
        calibration_seconds=0,
        public_url="https://proctor.example.org",
        alert_poll_seconds=0.5,
        **alerts,
    )
    require(live.ctx.pool.ready, f"models not usable: {live.ctx.pool.error} (run `make models`)")
    return live


async def join(live: LiveServer, peers: Any) -> tuple[dict[str, str], Any, Any]:
    with httpx.Client(base_url=live.url, timeout=60) as http:
        s = start_session(http, "Ada Lovelace")
    interviewer = await peers(live.url, s["interviewer_token"])
    candidate = await peers(live.url, s["candidate_token"])
    for peer, role in ((interviewer, "interviewer"), (candidate, "candidate")):
        assert (await peer.call("join", {"session_id": s["session_id"], "role": role}))["ok"]
    return s, interviewer, candidate


def now_ms() -> int:
    """The candidate page's clock, as frames carry it."""
    return int(time.time() * 1000)


async def send_frames(
    candidate: Any, sid: str, image: bytes, done: Callable[[], bool], limit: int = 150
) -> int:
    """Send ``image`` about twice a second, like a webcam, until ``done()``."""
    for n in range(limit):
        if done():
            return n
        ack = await candidate.call("frame", {"session_id": sid, "image": image, "ts": now_ms()})
        assert ack == {"ok": True, "accepted": True}, ack
        await asyncio.sleep(0.5)
    raise AssertionError(f"not done after {limit} frames")


async def test_a_phone_sends_one_email_with_its_picture_and_one_post(
    start_server: Callable[..., LiveServer],
    evalset: Path,
    peers: Any,
    smtp: SmtpReceiver,
    receiver: HttpReceiver,
) -> None:
    live = vision_server(start_server, alert_urls=[smtp.url(), receiver.url("json")])
    s, interviewer, candidate = await join(live, peers)
    sid = s["session_id"]

    calm = (evalset / CALM_FRAME).read_bytes()
    await send_frames(candidate, sid, calm, lambda: live.ctx.live.stats.frames_analyzed >= 6)
    await asyncio.sleep(1.5)
    assert smtp.messages == [] and receiver.requests == []  # calm frames: no alert

    phone = (evalset / PHONE_FRAME).read_bytes()
    await send_frames(candidate, sid, phone, lambda: bool(smtp.messages and receiver.requests))
    # The phone stays in view: the same event goes on, and no second alert comes.
    for _ in range(8):
        await candidate.call("frame", {"session_id": sid, "image": phone, "ts": now_ms()})
        await asyncio.sleep(0.5)
    phones = [e for e in interviewer.of("event") if e["detail"] == "cell_phone"]
    assert len(phones) == 1
    assert len(smtp.messages) == 1 and len(receiver.requests) == 1

    mail = smtp.messages[0]
    assert "phone" in str(mail["Subject"]) and "Ada Lovelace" in str(mail["Subject"])
    text = next(p for p in mail.walk() if p.get_content_type() == "text/plain").get_content()
    assert sid in text and "phone seen" in text and "Confidence: 0." in text
    assert f"https://proctor.example.org/review/{sid}?event={phones[0]['id']}" in text
    pictures = [p for p in mail.walk() if p.get_content_type() == "image/jpeg"]
    assert len(pictures) == 1
    picture = pictures[0].get_content()
    assert isinstance(picture, bytes) and picture[:3] == b"\xff\xd8\xff"

    post = receiver.requests[0].json()
    assert "phone" in post["title"] and sid in post["message"]


async def test_a_receiver_that_never_answers_does_not_hold_up_events(
    start_server: Callable[..., LiveServer], evalset: Path, peers: Any, receiver: HttpReceiver
) -> None:
    receiver.stall_seconds = 60
    live = vision_server(start_server, alert_urls=[receiver.url("json")], alert_timeout_seconds=90)
    s, interviewer, candidate = await join(live, peers)
    sid = s["session_id"]

    phone = (evalset / PHONE_FRAME).read_bytes()
    await send_frames(candidate, sid, phone, lambda: bool(receiver.requests))
    analysed = live.ctx.live.stats.frames_analyzed

    # While the alert's post hangs, frames are still analysed and events still stored and sent.
    empty = (evalset / NO_FACE_FRAME).read_bytes()

    def no_face_event() -> bool:
        return any(e["type"] == "no_face_detected" for e in interviewer.of("event"))

    await send_frames(candidate, sid, empty, no_face_event)
    assert live.ctx.live.stats.frames_analyzed >= analysed + 2
    assert len(receiver.requests) == 1 and receiver.requests[0].answered == 0  # still hanging
