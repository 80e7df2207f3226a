"""When live identity checks are due, and when their results add up to a mismatch.

A check runs at most every ``every_s`` seconds. The last ``size`` results are kept; when
``needed`` of them are mismatches the candidate is ``unverified`` and one ``identity_mismatch``
event starts; it ends once the window holds fewer mismatches again. One bad frame (a turned
head, motion blur) never raises it alone. While a mismatch is sustained, checks come
``UNVERIFIED_SLOWDOWN`` times less often: the event is already raised, and a face that is not
the enrolled one is the expensive case (the second descriptor decides every such check).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Literal

# pending: no result yet; uncertain: the last check failed, not (yet) often enough to count
Status = Literal["pending", "verified", "uncertain", "unverified"]
Change = Literal["start", "end"] | None
# How many times longer the interval is while a mismatch is sustained (bench.identity_cost).
UNVERIFIED_SLOWDOWN = 3


@dataclass
class CheckWindow:
    every_s: float
    size: int
    needed: int
    results: deque[bool] = field(init=False)
    next_at: float = field(init=False, default=0.0)
    sustained: bool = field(init=False, default=False)
    checks: int = field(init=False, default=0)
    mismatches: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self.needed = min(self.needed, self.size)
        self.results = deque(maxlen=self.size)

    def due(self, now: float) -> bool:
        return self.every_s > 0 and now >= self.next_at

    def started(self, now: float) -> None:
        """A check begins at ``now``: the next is due ``every_s`` later (``UNVERIFIED_SLOWDOWN``
        times that while a mismatch is sustained)."""
        self.next_at = now + self.every_s * (UNVERIFIED_SLOWDOWN if self.sustained else 1)

    def add(self, same_person: bool) -> Change:
        """Record a result; ``start`` when a sustained mismatch begins, ``end`` when it ends."""
        self.results.append(same_person)
        self.checks += 1
        self.mismatches += not same_person
        sustained = sum(not r for r in self.results) >= self.needed
        change: Change = None
        if sustained != self.sustained:
            change = "start" if sustained else "end"
        self.sustained = sustained
        return change

    @property
    def status(self) -> Status:
        if not self.results:
            return "pending"
        if self.sustained:
            return "unverified"
        return "verified" if self.results[-1] else "uncertain"
