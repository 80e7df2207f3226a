"""Live audio on the server's side: chunks from the ``audio`` handler go to the audio process
(``audio.worker``) in order, and what it finds is stored and pushed like the vision events.

One lock per session keeps its chunks in order and bounds what waits: a page whose chunks pile
up behind a busy process is told to start its stream again rather than queued without end.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import anyio

from proctor.audio import worker
from proctor.audio.live import LiveAudioParams, Mode

if TYPE_CHECKING:
    from proctor.config import Settings
    from proctor.realtime.recorder import Recorder

log = logging.getLogger(__name__)
MAX_WAITING = 3  # chunks of one session waiting for the audio process


def _detail(tr: dict[str, Any]) -> str:
    """other_voice says how far the voice was from the candidate's (cosine distance)."""
    distance = tr.get("confidence")
    return f"voice distance {distance:.2f}" if distance is not None else ""


@dataclass(slots=True)
class _Session:
    mode: Mode
    candidate: str
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    waiting: int = 0
    open: dict[str, int] = field(default_factory=dict)  # event type -> open event id


@dataclass(slots=True)
class AudioStats:
    chunks: int = 0
    bytes: int = 0
    seconds: float = 0.0  # audio heard
    refused: int = 0
    # Recent event starts: (type, onset → stored and pushed, in ms of wall clock)
    event_latency: deque[tuple[str, float]] = field(default_factory=lambda: deque(maxlen=1000))


class AudioService:
    def __init__(self, settings: Settings, recorder: Recorder) -> None:
        self.settings = settings
        self.recorder = recorder
        self.error: str | None = None if settings.audio_analysis else "audio analysis is off"
        self.stats = AudioStats()
        self._executor: ProcessPoolExecutor | None = None
        self._sessions: dict[str, _Session] = {}

    @property
    def ready(self) -> bool:
        return self._executor is not None

    async def start(self) -> None:
        if not self.settings.audio_analysis:
            return
        self._executor = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=worker.init_worker,
            initargs=(
                self.settings.models_dir,
                self.settings.audio_nice,
                LiveAudioParams.from_settings(self.settings),
            ),
        )
        try:
            await asyncio.get_running_loop().run_in_executor(self._executor, worker.ping)
        except Exception as exc:
            self.error = f"audio analysis is unavailable: {exc or type(exc).__name__}"
            log.error("%s", self.error)
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    async def submit(
        self,
        session_id: str,
        seq: int,
        data: bytes,
        *,
        received_wall: float,
        candidate: str,
        mode: Mode,
    ) -> dict[str, Any]:
        """Analyse one chunk; the ack for the page."""
        executor = self._executor
        if executor is None:
            return {"ok": True, "accepted": False, "reason": self.error}
        state = self._sessions.get(session_id)
        if state is None:
            state = self._sessions[session_id] = _Session(mode, candidate)
        if state.waiting >= MAX_WAITING:
            self.stats.refused += 1
            return {"ok": False, "error": "audio is behind: start the stream again at 0"}
        state.waiting += 1
        try:
            async with state.lock:
                loop = asyncio.get_running_loop()
                args = (session_id, state.mode, seq, data, received_wall)
                try:
                    result = await loop.run_in_executor(executor, worker.feed, *args)
                except BrokenProcessPool:
                    await self._restart(executor)
                    return {"ok": False, "error": "audio analysis restarted: start again at 0"}
                if not result["ok"]:
                    self.stats.refused += 1
                    return {"ok": False, "error": result["error"]}
                self.stats.chunks += 1
                self.stats.bytes += len(data)
                self.stats.seconds += result["seconds"]
                await self._apply(session_id, state, result["transitions"])
        finally:
            state.waiting -= 1
        return {"ok": True, "accepted": True}

    async def _apply(self, session_id: str, state: _Session, transitions: list[Any]) -> None:
        for tr in transitions:
            when = datetime.fromtimestamp(tr["at"], UTC)
            try:
                if tr["kind"] == "start" and tr["type"] not in state.open:
                    event, _ = await asyncio.shield(
                        self.recorder.record(
                            session_id,
                            role="candidate",
                            name=state.candidate,
                            type=tr["type"],
                            detail=_detail(tr),
                            source="audio",
                            timestamp=when,
                            evidence_clip=tr.get("clip"),
                        )
                    )
                    state.open[tr["type"]] = event["id"]
                    latency = (time.time() - tr["at"]) * 1000
                    self.stats.event_latency.append((tr["type"], latency))
                elif tr["kind"] == "end" and tr["type"] in state.open:
                    await self.recorder.close(state.open.pop(tr["type"]), when)
            except Exception:
                log.exception("session %s: storing an audio event failed", session_id)

    async def _restart(self, broken: ProcessPoolExecutor) -> None:
        if self._executor is broken:
            log.error("the audio process died; starting it again")
            broken.shutdown(wait=False, cancel_futures=True)
            self._executor = None
            await self.start()

    async def end_session(self, session_id: str) -> None:
        """Close the session's open audio event and forget its stream."""
        state = self._sessions.pop(session_id, None)
        executor = self._executor
        if state is None or executor is None:
            return
        async with state.lock:
            try:
                loop = asyncio.get_running_loop()
                ends = await loop.run_in_executor(executor, worker.finish, session_id)
            except Exception:
                log.exception("session %s: ending its audio failed", session_id)
                ends = []
            await self._apply(session_id, state, ends)

    async def usage(self, session_id: str | None = None) -> dict[str, float]:
        """The audio process's CPU seconds and audio seconds of the live streams (or of one
        session's), and the whole process's CPU (``worker.usage``)."""
        if self._executor is None:
            return {"cpu_s": 0.0, "audio_s": 0.0, "process_cpu_s": 0.0}
        loop = asyncio.get_running_loop()
        result: dict[str, float] = await loop.run_in_executor(
            self._executor, worker.usage, session_id
        )
        return result

    async def shutdown(self) -> None:
        for session_id in list(self._sessions):
            await self.end_session(session_id)
        if self._executor is not None:
            executor, self._executor = self._executor, None
            await anyio.to_thread.run_sync(lambda: executor.shutdown(True, cancel_futures=True))
