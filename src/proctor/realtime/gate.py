"""Turns on the analysis workers: face analysis first, object runs only on a worker that no face
analysis is waiting for.

The pool's process executor would queue every job it is given, first come first served, so an
object run (three times the cost of a face analysis) queued ahead would delay faces, and the
queue itself could grow with every session. The gate hands out at most one turn per worker:
the executor holds no job it cannot start at once, and whoever waits, waits here, where
priority applies. Turns are not pre-empted: a face analysis waits at most for the runs already
started.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator
from enum import IntEnum


class Kind(IntEnum):
    """Job kinds, most urgent first."""

    FACES = 0
    OBJECTS = 1


class WorkerGate:
    """At most ``size`` turns at once; a released turn goes to the most urgent waiter (first
    come first served within a kind)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.busy = 0
        self._waiters: dict[Kind, deque[asyncio.Future[None]]] = {k: deque() for k in Kind}

    def waiting(self, kind: Kind) -> int:
        return sum(1 for f in self._waiters[kind] if not f.done())

    def _queued_ahead(self, kind: Kind) -> bool:
        return any(self.waiting(k) for k in Kind if k <= kind)

    async def acquire(self, kind: Kind) -> None:
        if self.busy < self.size and not self._queued_ahead(kind):
            self.busy += 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self._waiters[kind]
        queue.append(future)
        try:
            await future
        except asyncio.CancelledError:
            if future.cancelled():
                with contextlib.suppress(ValueError):
                    queue.remove(future)
            else:  # the turn was handed over just as the waiter was cancelled: pass it on
                self.release()
            raise

    def release(self) -> None:
        """End a turn and hand free turns to waiters, most urgent kind first."""
        self.busy -= 1
        for kind in Kind:
            queue = self._waiters[kind]
            while queue and self.busy < self.size:
                future = queue.popleft()
                if not future.done():
                    future.set_result(None)
                    self.busy += 1
            if queue:  # a more urgent kind still waits: nothing for the others
                return

    @contextlib.asynccontextmanager
    async def turn(self, kind: Kind) -> AsyncIterator[None]:
        await self.acquire(kind)
        try:
            yield
        finally:
            self.release()
