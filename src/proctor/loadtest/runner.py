"""A load test run: start the sessions, send for a while, drain, end, then account for every
frame and every event.

Candidate ``i`` connects to ``urls[i % n]`` and its interviewer to ``urls[(i + 1) % n]``, so
with several nodes every session crosses nodes.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from proctor.loadtest.audio import AudioCounts, AudioFeed
from proctor.loadtest.clients import Candidate, FrameCounts, Interviewer
from proctor.loadtest.frames import FrameSet
from proctor.loadtest.report import Report, server_figures
from proctor.loadtest.scrape import Scrape, scrape
from proctor.loadtest.usage import ProcessSampler

T = TypeVar("T")
CONNECT_CONCURRENCY = 8
DRAIN_TIMEOUT = 30.0
SETTLE_SECONDS = 1.5  # objects finish and their events arrive after the faces are counted


@dataclass
class LoadTest:
    urls: list[str]
    candidates: int
    fps: float
    duration: float
    frames: FrameSet
    event_every: float = 10.0  # a browser event from each candidate this often (0: never)
    # Each candidate enrols with a one-face frame first, so the live identity checks run (the
    # frames cycle through several people: most checks then go to dlib, the costly case)
    enrol: bool = False
    # Each candidate also streams this microphone, in a session of its mode
    audio: AudioFeed | None = None
    server_pids: list[int] = field(default_factory=list)


@dataclass
class _Session:
    session_id: str
    interviewer_token: str
    candidate: Candidate
    interviewer: Interviewer


async def _limited(items: list[T], fn: Callable[[T], Awaitable[Any]], limit: int) -> None:
    gate = asyncio.Semaphore(limit)

    async def one(item: T) -> None:
        async with gate:
            await fn(item)

    await asyncio.gather(*(one(i) for i in items))


async def _scrape_all(http: httpx.AsyncClient, urls: list[str]) -> Scrape:
    total = Scrape({})
    for url in urls:
        total = total.plus(await scrape(http, url))
    return total


async def _open(http: httpx.AsyncClient, test: LoadTest) -> list[_Session]:
    n = len(test.urls)

    async def start(i: int) -> _Session:
        body: dict[str, str] = {"name": f"Load {i}"}
        if test.audio is not None:
            body["mode"] = test.audio.mode
        r = await http.post(f"{test.urls[i % n]}/start-session", json=body)
        r.raise_for_status()
        s = r.json()
        sid = s["session_id"]
        if test.enrol:
            photo = test.frames.face[i % len(test.frames.face)]
            auth = {"Authorization": f"Bearer {s['candidate_token']}", "Content-Type": "image/jpeg"}
            url = f"{test.urls[i % n]}/sessions/{sid}/enrolment"
            (await http.post(url, content=photo, headers=auth)).raise_for_status()
        return _Session(
            sid,
            s["interviewer_token"],
            Candidate(test.urls[i % n], s["candidate_token"], sid, i, test.frames, test.audio),
            Interviewer(test.urls[(i + 1) % n], s["interviewer_token"], sid),
        )

    sessions = [await start(i) for i in range(test.candidates)]
    await _limited(sessions, lambda s: s.interviewer.start(), CONNECT_CONCURRENCY)
    await _limited(sessions, lambda s: s.candidate.start(), CONNECT_CONCURRENCY)
    return sessions


async def _drain(http: httpx.AsyncClient, urls: list[str], before: Scrape) -> None:
    """Wait until every received frame is analysed, dropped or failed."""
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while time.monotonic() < deadline:
        d = (await _scrape_all(http, urls)).minus(before)
        done = sum(
            d.get(f"proctor_{n}_total")
            for n in ("frames_analyzed", "frames_dropped", "frame_errors")
        )
        if done >= d.get("proctor_frames_received_total"):
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(SETTLE_SECONDS)


async def _end_and_collect(http: httpx.AsyncClient, s: _Session) -> list[dict[str, Any]]:
    auth = {"Authorization": f"Bearer {s.interviewer_token}"}
    base = s.interviewer.url
    (await http.post(f"{base}/sessions/{s.session_id}/end", headers=auth)).raise_for_status()
    r = await http.get(f"{base}/sessions/{s.session_id}/events", headers=auth)
    r.raise_for_status()
    events: list[dict[str, Any]] = r.json()
    return events


async def run(test: LoadTest) -> Report:
    async with httpx.AsyncClient(timeout=60) as http:
        sessions = await _open(http, test)
        try:
            before = await _scrape_all(http, test.urls)
            sampler = ProcessSampler(test.server_pids)
            sampler.start()
            loop = asyncio.get_running_loop()
            start = loop.time() + 0.5
            t0 = time.monotonic()
            await asyncio.gather(
                *(
                    s.candidate.run(
                        start + (i / len(sessions)) / test.fps,  # spread over one frame interval
                        test.fps,
                        test.duration,
                        test.event_every,
                    )
                    for i, s in enumerate(sessions)
                )
            )
            sending = time.monotonic() - t0
            after_sending = await _scrape_all(http, test.urls)
            usage = sampler.stop()
            await _drain(http, test.urls, before)
            stored = await asyncio.gather(*(_end_and_collect(http, s) for s in sessions))
            await asyncio.sleep(0.5)
            after = await _scrape_all(http, test.urls)
        finally:
            for s in sessions:
                await s.candidate.close()
                await s.interviewer.close()
    return _account(test, sessions, stored, before, after_sending, after, sending, usage)


def _account(
    test: LoadTest,
    sessions: list[_Session],
    stored: list[list[dict[str, Any]]],
    before: Scrape,
    after_sending: Scrape,
    after: Scrape,
    sending: float,
    usage: dict[str, float],
) -> Report:
    counts = FrameCounts()
    audio = AudioCounts()
    lost: list[int] = []
    phantom: list[int] = []
    browser_lost: list[str] = []
    latencies: list[float] = []
    stored_n = received_n = 0
    for s, events in zip(sessions, stored, strict=True):
        counts.add(s.candidate.counts)
        audio.add(s.candidate.audio_counts)
        ids = {e["id"] for e in events}
        got = set(s.interviewer.events)
        stored_n, received_n = stored_n + len(ids), received_n + len(got)
        lost += sorted(ids - got)
        phantom += sorted(got - ids)
        client_ids = {e["client_id"] for e in events if e.get("client_id")}
        browser_lost += sorted(s.candidate.browser_acked - client_ids)
        latencies += s.interviewer.latencies_ms
    return Report(
        candidates=test.candidates,
        nodes=len(test.urls),
        fps=test.fps,
        duration_s=round(sending, 1),
        frames=counts,
        audio=audio if test.audio is not None else None,
        server=server_figures(after.minus(before), after_sending.minus(before), sending, after),
        events_stored=stored_n,
        events_received=received_n,
        lost_events=lost,
        phantom_events=phantom,
        browser_acked=sum(len(s.candidate.browser_acked) for s in sessions),
        browser_lost=browser_lost,
        latencies_ms=latencies,
        usage=usage,
        load_average=os.getloadavg(),
    )
