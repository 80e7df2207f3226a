"""The per-connection token bucket, on a clock the test moves."""

from __future__ import annotations

from proctor.realtime.ratelimit import TokenBucket
from proctor.realtime.slots import FrameSlot, PendingFrame


def test_burst_then_steady_rate() -> None:
    now = [0.0]
    bucket = TokenBucket(rate=5, burst=10, clock=lambda: now[0])
    assert sum(bucket.take() for _ in range(30)) == 10
    now[0] += 1.0
    assert sum(bucket.take() for _ in range(30)) == 5
    now[0] += 100.0  # a long pause refills to the burst, not beyond
    assert sum(bucket.take() for _ in range(30)) == 10


async def test_latest_frame_wins_and_drops_are_counted() -> None:
    slot = FrameSlot()
    for i in range(5):
        slot.put(PendingFrame(bytes([i]), float(i), float(i)))
    assert slot.received == 5 and slot.dropped == 4
    assert (await slot.take()).image == bytes([4])
    assert not slot.pending
