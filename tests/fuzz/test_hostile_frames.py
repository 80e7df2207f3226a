"""Hostile JPEGs through ``frame`` and ``snapshot`` into a server with the real models: each gets
a clear ack, none reaches a decoder when its header already tells it is bad, none crashes an
analysis worker, and analysis goes on for the next honest frames.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import require
from tests.fuzz.images import hostile_jpegs
from tests.server_fixtures import LiveServer, bearer, now_ms, start_session

pytestmark = [pytest.mark.models, pytest.mark.slow]

FACE_FRAME = "images/single_webcam_woman_dark.jpg"
NO_FACE_FRAME = "images/noface_livingroom.jpg"
# Refused from the header alone, before any decoding.
REFUSED_AT_ONCE = {
    "truncated_half",
    "truncated_in_header",
    "soi_only",
    "soi_eoi",
    "png_named_jpeg",
    "png_behind_jpeg_magic",
    "random_after_magic",
    "huge_dimensions",
    "zero_dimensions",
    "bomb_over_limits",
    "bad_segment_length",
    "segment_flood",
    "fill_byte_flood",
}


def processed(live: LiveServer) -> int:
    """Frames the analysis finished with, whether analyzed or refused by the decoder."""
    stats = live.ctx.live.stats
    return int(stats.frames_analyzed + stats.frame_errors)


async def until(check: Callable[[], bool], seconds: float = 60) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not check():
        assert loop.time() < deadline, "the server did not get to it"
        await asyncio.sleep(0.05)


async def test_hostile_jpegs_are_refused_or_analyzed_without_harm(
    start_server: Callable[..., LiveServer], evalset: Path, peers: Any
) -> None:
    live = start_server(
        analysis_workers=1, calibration_seconds=0, frame_rate_per_s=100, frame_burst=1000
    )
    require(live.ctx.pool.ready, f"models not usable: {live.ctx.pool.error} (run `make models`)")
    variants = hostile_jpegs((evalset / FACE_FRAME).read_bytes())
    assert set(variants) > REFUSED_AT_ONCE
    with httpx.Client(base_url=live.url, timeout=120) as http:
        s = start_session(http, "Ada")
        sid = s["session_id"]
        interviewer = await peers(live.url, s["interviewer_token"])
        candidate = await peers(live.url, s["candidate_token"])
        for peer, role in ((interviewer, "interviewer"), (candidate, "candidate")):
            assert (await peer.call("join", {"session_id": sid, "role": role}))["ok"]

        for name, image in variants.items():
            before = processed(live)
            ack = await candidate.call("frame", {"session_id": sid, "image": image, "ts": now_ms()})
            if name in REFUSED_AT_ONCE:
                assert ack["ok"] is False and ack["error"].startswith("image"), (name, ack)
                assert processed(live) == before, name
            else:
                assert ack == {"ok": True, "accepted": True}, (name, ack)

                # One at a time, so latest-frame-wins never skips one of them.
                def grew(seen: int = before) -> bool:
                    return processed(live) > seen

                await until(grew)

        # Snapshots carry the same check.
        asked = await interviewer.call("snapshot", {"session_id": sid})
        for name in ("truncated_half", "huge_dimensions"):
            answer = {"session_id": sid, "request_id": asked["request_id"], "image": variants[name]}
            ack = await candidate.call("snapshot", answer)
            assert ack["ok"] is False and ack["error"].startswith("image"), (name, ack)
        assert interviewer.of("snapshot") == []

        assert live.ctx.pool.restarts == 0  # no worker died on any of them
        # Analysis goes on: an empty room becomes a no-face event at the interviewer.
        empty = (evalset / NO_FACE_FRAME).read_bytes()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        while not any(e["type"] == "no_face_detected" for e in interviewer.of("event")):
            assert loop.time() < deadline, interviewer.summary()
            ack = await candidate.call("frame", {"session_id": sid, "image": empty, "ts": now_ms()})
            assert ack == {"ok": True, "accepted": True}, ack
            await asyncio.sleep(0.4)
        health = http.get("/healthz").json()
        assert health["analysis"] == "ok", health
        events = http.get(f"/sessions/{sid}/events", headers=bearer(s["interviewer_token"]))
        assert any(e["type"] == "no_face_detected" for e in events.json())
