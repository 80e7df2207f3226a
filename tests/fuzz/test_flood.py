"""A client flooding frames and chat is rate-limited on its own connection, while a calm client
on the same server keeps having its frames analyzed and its chat delivered.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from proctor.db import repo
from tests.conftest import require
from tests.server_fixtures import LiveServer, now_ms, start_session

pytestmark = [pytest.mark.models, pytest.mark.slow]

FACE_FRAME = "images/single_webcam_woman_dark.jpg"
NO_FACE_FRAME = "images/noface_livingroom.jpg"
LIMITED = {"ok": False, "error": "rate limited"}


async def room(live: LiveServer, http: httpx.Client, peers: Any, name: str) -> tuple[Any, ...]:
    s = start_session(http, name)
    interviewer = await peers(live.url, s["interviewer_token"])
    candidate = await peers(live.url, s["candidate_token"])
    for peer, role in ((interviewer, "interviewer"), (candidate, "candidate")):
        assert (await peer.call("join", {"session_id": s["session_id"], "role": role}))["ok"]
    return s["session_id"], interviewer, candidate


async def test_flooding_client_is_limited_and_a_calm_one_is_served(
    start_server: Callable[..., LiveServer], evalset: Path, peers: Any
) -> None:
    live = start_server(analysis_workers=1, calibration_seconds=0)
    require(live.ctx.pool.ready, f"models not usable: {live.ctx.pool.error} (run `make models`)")
    face, empty = (evalset / FACE_FRAME).read_bytes(), (evalset / NO_FACE_FRAME).read_bytes()
    with httpx.Client(base_url=live.url, timeout=120) as http:
        loud_id, loud_interviewer, flooder = await room(live, http, peers, "Flood")
        calm_id, calm_interviewer, calm = await room(live, http, peers, "Calm")
        stop = asyncio.Event()
        began = time.monotonic()

        async def flood() -> tuple[list[Any], list[Any]]:
            chats, frames = [], []
            n = 0
            while not stop.is_set():
                for _ in range(20):  # no waiting for acks: as fast as the socket takes them
                    n += 1
                    await flooder.sio.emit("chat", {"session_id": loud_id, "message": f"spam {n}"})
                    frame = {"session_id": loud_id, "image": face, "ts": now_ms()}
                    await flooder.sio.emit("frame", frame)
                chats.append(await flooder.call("chat", {"session_id": loud_id, "message": "x"}))
                frames.append(await flooder.call("frame", {"session_id": loud_id, "image": face}))
            return chats, frames

        flooding = asyncio.create_task(flood())
        sent: list[str] = []
        deadline = time.monotonic() + 90
        while not any(e["type"] == "no_face_detected" for e in calm_interviewer.of("event")):
            assert time.monotonic() < deadline, calm_interviewer.summary()
            ack = await calm.call("frame", {"session_id": calm_id, "image": empty, "ts": now_ms()})
            assert ack == {"ok": True, "accepted": True}, ack
            text = f"calm {len(sent)}"
            assert (await calm.call("chat", {"session_id": calm_id, "message": text}))["ok"]
            sent.append(text)
            await asyncio.sleep(0.5)
        stop.set()
        chat_acks, frame_acks = await flooding
        elapsed = time.monotonic() - began

        # The calm client's chat all arrived, in order, at its own room only.
        for text in sent:
            await calm_interviewer.wait_for("chat", lambda m, t=text: m["message"] == t)
        assert [m["message"] for m in calm_interviewer.of("chat")] == sent
        assert all(m["session_id"] == calm_id for m in calm_interviewer.of("chat"))
        # The flooder was refused, for chat and frames alike.
        assert LIMITED in chat_acks and LIMITED in frame_acks
        settings = live.settings
        with live.ctx.sessions() as db:
            stored = len(repo.list_chat(db, loud_id))
        assert 0 < stored <= settings.chat_burst + settings.chat_rate_per_s * elapsed + 1
        assert any(m["session_id"] == loud_id for m in loud_interviewer.of("chat"))
        assert http.get("/healthz").json()["analysis"] == "ok"
