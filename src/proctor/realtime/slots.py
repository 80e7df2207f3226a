"""A latest-frame-wins slot: at most one pending frame per session, never a queue."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PendingFrame:
    image: bytes
    received_wall: float  # time.time() at reception: the event's clock
    received_mono: float  # time.monotonic() at reception: for latency
    client_ts: float | None = None  # the candidate's own ``ts`` (ms), echoed in its events


class FrameSlot:
    """``put`` replaces the pending frame (counting it as dropped); ``take`` waits for one."""

    def __init__(self) -> None:
        self._frame: PendingFrame | None = None
        self._ready = asyncio.Event()
        self.received = 0
        self.dropped = 0

    def put(self, frame: PendingFrame) -> None:
        if self._frame is not None:
            self.dropped += 1
        self._frame = frame
        self.received += 1
        self._ready.set()

    async def wait(self) -> None:
        """Until a frame is pending (it stays in the slot: a newer one may still replace it)."""
        while self._frame is None:
            self._ready.clear()
            await self._ready.wait()

    def take_nowait(self) -> PendingFrame:
        """The pending frame, which leaves the slot; call after ``wait``."""
        if self._frame is None:
            raise LookupError("no pending frame")
        frame, self._frame = self._frame, None
        self._ready.clear()
        return frame

    async def take(self) -> PendingFrame:
        await self.wait()
        return self.take_nowait()

    @property
    def pending(self) -> bool:
        return self._frame is not None
