"""Simulated peers: a candidate that sends frames (and now and then a browser event) on a
fixed schedule, and its microphone when asked, and an interviewer that records every event it
receives."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import socketio

from proctor.loadtest.audio import AudioCounts, AudioFeed
from proctor.loadtest.counts import AckCounts
from proctor.loadtest.frames import FrameSet

ACK_TIMEOUT = 15.0


@dataclass
class FrameCounts(AckCounts):
    sent: int = 0
    accepted: int = 0  # ack ok and accepted: in the server's slot
    not_accepted: int = 0  # ack ok, but live analysis is off
    rejected: int = 0  # ack not ok (rate limited, ended, invalid)
    unacked: int = 0  # no ack in time, or the connection dropped
    errors: dict[str, int] = field(default_factory=dict)


async def connect(url: str, token: str) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=30)
    return client


async def join(client: socketio.AsyncClient, session_id: str, role: str, name: str) -> None:
    ack = await client.call(
        "join", {"session_id": session_id, "role": role, "name": name}, timeout=ACK_TIMEOUT
    )
    if not isinstance(ack, dict) or not ack.get("ok"):
        raise RuntimeError(f"join refused: {ack}")


class Interviewer:
    """Records ``event`` messages by id, with the frame-to-event latency of vision events."""

    def __init__(self, url: str, token: str, session_id: str) -> None:
        self.url, self.token, self.session_id = url, token, session_id
        self.client: socketio.AsyncClient | None = None
        self.events: dict[int, dict[str, Any]] = {}
        self.latencies_ms: list[float] = []

    async def start(self) -> None:
        self.client = await connect(self.url, self.token)
        self.client.on("event", self._on_event)
        await join(self.client, self.session_id, "interviewer", "Load interviewer")

    async def _on_event(self, event: Any) -> None:
        if not isinstance(event, dict) or event.get("session_id") != self.session_id:
            return
        now_ms = time.time() * 1000
        if event["id"] not in self.events and isinstance(event.get("frame_ts"), int | float):
            # The frame's ts is the sender's wall clock: one machine, one clock.
            self.latencies_ms.append(now_ms - float(event["frame_ts"]))
        self.events[event["id"]] = event

    async def close(self) -> None:
        if self.client is not None and self.client.connected:
            await self.client.disconnect()


class Candidate:
    """Sends ``frames`` at ``fps`` from ``start`` (loop time) for ``duration`` seconds."""

    def __init__(
        self,
        url: str,
        token: str,
        session_id: str,
        index: int,
        frames: FrameSet,
        audio: AudioFeed | None = None,
    ) -> None:
        self.url, self.token, self.session_id = url, token, session_id
        self.index = index
        self.frames = frames
        self.audio = audio
        self.audio_counts = AudioCounts()
        self.client: socketio.AsyncClient | None = None
        self.counts = FrameCounts()
        self.browser_acked: set[str] = set()
        self.browser_failed = 0
        self._pending: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self.client = await connect(self.url, self.token)
        await join(self.client, self.session_id, "candidate", f"Load candidate {self.index}")

    async def run(self, start: float, fps: float, duration: float, event_every: float) -> None:
        loop = asyncio.get_running_loop()
        phase = self.index * 3  # candidates are at different points of the face/no-face cycle
        n, next_event = 0, start + event_every if event_every > 0 else float("inf")
        if self.audio is not None:
            self._spawn(self._stream_audio(self.audio.chunks, start, duration))
        while True:
            at = start + n / fps
            if at - start >= duration:
                break
            await asyncio.sleep(max(0.0, at - loop.time()))
            self._spawn(self._send_frame(self.frames.frame(n, phase)))
            if loop.time() >= next_event:
                self._spawn(self._send_event(f"lt-{self.session_id}-{n}"))
                next_event += event_every
            n += 1
        if self._pending:
            await asyncio.gather(*self._pending)

    def _spawn(self, coro: Any) -> None:
        # Acks are awaited beside the schedule: a slow one never delays the next frame.
        task = asyncio.ensure_future(coro)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _send_frame(self, image: bytes) -> None:
        assert self.client is not None
        c = self.counts
        c.sent += 1
        payload = {"session_id": self.session_id, "image": image, "ts": time.time() * 1000}
        try:
            ack = await self.client.call("frame", payload, timeout=ACK_TIMEOUT)
        except (TimeoutError, socketio.exceptions.SocketIOError):
            c.unacked += 1
            return
        if isinstance(ack, dict) and ack.get("ok"):
            if ack.get("accepted"):
                c.accepted += 1
            else:
                c.not_accepted += 1
            return
        c.rejected += 1
        c.note_refusal(ack)

    async def _stream_audio(self, chunks: list[bytes], start: float, duration: float) -> None:
        """Chunk k leaves once its second is over and the last chunk is acknowledged, as the
        page's MediaRecorder hands them out; a refused chunk ends the stream."""
        assert self.client is not None
        loop, c = asyncio.get_running_loop(), self.audio_counts
        for seq, chunk in enumerate(chunks):
            if seq >= duration:
                break
            await asyncio.sleep(max(0.0, start + seq + 1 - loop.time()))
            c.sent += 1
            payload = {"session_id": self.session_id, "data": chunk, "seq": seq}
            try:
                ack = await self.client.call("audio", payload, timeout=ACK_TIMEOUT)
            except (TimeoutError, socketio.exceptions.SocketIOError):
                c.unacked += 1
                return
            if isinstance(ack, dict) and ack.get("ok"):
                c.accepted += 1
                continue
            c.refused += 1
            c.note_refusal(ack)
            return

    async def _send_event(self, client_id: str) -> None:
        assert self.client is not None
        payload = {"session_id": self.session_id, "type": "focus_lost", "client_id": client_id}
        try:
            ack = await self.client.call("event", payload, timeout=ACK_TIMEOUT)
        except (TimeoutError, socketio.exceptions.SocketIOError):
            self.browser_failed += 1
            return
        if isinstance(ack, dict) and ack.get("ok"):
            self.browser_acked.add(client_id)
        else:
            self.browser_failed += 1

    async def close(self) -> None:
        if self.client is not None and self.client.connected:
            await self.client.disconnect()
