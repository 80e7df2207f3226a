"""What a client says about its own events: when (its clock, if plausible) and as what source."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from proctor.db.models import utcnow
from proctor.shapes.schemas import BROWSER_TYPES

# A client-given time is kept only when it is plausible (a resent event keeps its time).
MAX_CLIENT_AGE = timedelta(hours=12)
MAX_CLIENT_AHEAD = timedelta(seconds=5)


def client_time(ts_ms: float | None) -> datetime | None:
    if ts_ms is None:
        return None
    try:
        when = datetime.fromtimestamp(ts_ms / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    now = utcnow()
    return when if now - MAX_CLIENT_AGE <= when <= now + MAX_CLIENT_AHEAD else None


def event_source(role: str, type_: str) -> str | None:
    """``browser`` or ``manual``, or None when this role may not send this type."""
    if role == "candidate":
        return "browser" if type_ in BROWSER_TYPES else None
    return "manual"
