"""How much of the session the candidate spent looking away: the share of its time, the
longest stretch, and the time per reason (the looking-away events' detail)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from proctor.reports import labels
from proctor.reports.model import ReportData, ReportEvent

LOOKING_AWAY = "looking_away"


@dataclass(frozen=True, slots=True)
class AwayTime:
    """Looking-away time in a session (seconds; overlapping events counted once)."""

    session_s: float
    away_s: float
    longest_s: float
    longest_at: datetime | None
    events: int
    by_reason: dict[str, float] = field(default_factory=dict)

    @property
    def share(self) -> float:
        return self.away_s / self.session_s if self.session_s > 0 else 0.0


def _spans(
    events: list[ReportEvent], start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The events' time spans within the session, overlapping ones merged."""
    spans = sorted(
        (max(t, start), min(t + timedelta(seconds=e.duration_s or 0.0), end))
        for e in events
        for t in [labels.utc(e.timestamp)]
    )
    merged: list[tuple[datetime, datetime]] = []
    for a, b in spans:
        if b <= a:
            continue
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def away_time(data: ReportData) -> AwayTime:
    """Looking-away time from the session's events, up to its end (or the report's time)."""
    start = labels.utc(data.started_at)
    end = labels.utc(data.ended_at or data.generated_at)
    events = [e for e in data.events if e.type == LOOKING_AWAY]
    spans = _spans(events, start, end)
    longest = max(spans, key=lambda s: s[1] - s[0], default=None)
    by_reason: dict[str, float] = {}
    for e in events:
        reason = e.detail.strip() or "reason not recorded"
        by_reason[reason] = by_reason.get(reason, 0.0) + (e.duration_s or 0.0)
    return AwayTime(
        session_s=max(0.0, (end - start).total_seconds()),
        away_s=sum((b - a).total_seconds() for a, b in spans),
        longest_s=(longest[1] - longest[0]).total_seconds() if longest else 0.0,
        longest_at=longest[0] if longest else None,
        events=len(events),
        by_reason=by_reason,
    )
