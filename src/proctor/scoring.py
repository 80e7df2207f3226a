"""Integrity score: 100 minus a per-type deduction for every event, floored at 0.

The weights (deduction per event of a type) come from the settings, merged with any per-session
override by the caller (``merge_weights`` does it the same way everywhere). Types without a
weight are still counted, with no deduction, so the breakdown always shows every event.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

MAX_SCORE = 100.0


@dataclass(frozen=True)
class ScoreItem:
    """Events of one type: how many and how many points they cost."""

    type: str
    count: int
    deduction: float


@dataclass(frozen=True)
class ScoreBreakdown:
    """The score and, per event type, what made it (largest deduction first)."""

    score: float
    items: list[ScoreItem] = field(default_factory=list)

    @property
    def total_deduction(self) -> float:
        return _clean(sum(item.deduction for item in self.items))

    @property
    def counts(self) -> dict[str, int]:
        return {item.type: item.count for item in self.items}

    def to_json(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "breakdown": [
                {"type": item.type, "count": item.count, "deduction": item.deduction}
                for item in self.items
            ],
        }


def _clean(value: float) -> float:
    # Sums and products of decimal weights pick up binary noise (0.30000000000000004).
    return round(value, 6) + 0.0


def _check_weight(event_type: str, weight: float) -> float:
    weight = float(weight)
    if not math.isfinite(weight) or weight < 0:
        raise ValueError(f"score weight for {event_type!r} must be a finite number >= 0")
    return weight


def merge_weights(
    defaults: Mapping[str, float], overrides: Mapping[str, float] | None
) -> dict[str, float]:
    """The weights of one session: the defaults with that session's overrides on top."""
    merged = {key: _check_weight(key, value) for key, value in defaults.items()}
    for key, value in (overrides or {}).items():
        merged[key] = _check_weight(key, value)
    return merged


def compute_score(event_types: Iterable[str], weights: Mapping[str, float]) -> ScoreBreakdown:
    """Score the events of a session: ``100 - sum(count * weight)``, at least 0, one decimal."""
    counts = Counter(event_types)
    items = [
        ScoreItem(
            type=event_type,
            count=count,
            deduction=_clean(count * _check_weight(event_type, weights.get(event_type, 0.0))),
        )
        for event_type, count in counts.items()
    ]
    items.sort(key=lambda item: (-item.deduction, item.type))
    total = sum(item.deduction for item in items)
    score = max(0.0, round(MAX_SCORE - total, 1)) + 0.0
    return ScoreBreakdown(score=score, items=items)
