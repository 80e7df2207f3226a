"""What a session report shows, gathered by the caller from the database.

All datetimes are timezone-aware UTC. Text fields hold whatever the users typed: the renderer
escapes them and picks fonts per character, so nothing here needs cleaning first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from proctor.scoring import ScoreBreakdown


@dataclass(frozen=True)
class ReportEvent:
    """One proctoring event; ``duration_s`` is None for an instant (or still open) event."""

    timestamp: datetime
    type: str
    detail: str
    duration_s: float | None
    source: str
    role: str
    evidence_jpeg: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class ReportChat:
    """One chat message as it was broadcast to the room."""

    timestamp: datetime
    role: str
    name: str
    message: str


@dataclass(frozen=True)
class ReportAlert:
    """One alert and how its delivery went (``channel``: operator, session or webhook)."""

    created_at: datetime
    event: str  # the event in words, or what a digest stood for
    channel: str
    kind: str
    status: str
    attempts: int
    sent_at: datetime | None
    error: str | None


@dataclass(frozen=True)
class ReportIdentityCheck:
    """One live comparison of the candidate's face with the enrolment (or reference) photo."""

    at: datetime
    against: str  # enrolment | reference
    model: str  # faceres (accepted at the first look) | dlib (decided)
    score: float
    same_person: bool


@dataclass(frozen=True)
class ReportIdentity:
    """The identity photos the session holds (their times) and every live check."""

    threshold: float
    enrolled_at: datetime | None = None
    reference_at: datetime | None = None
    checks: list[ReportIdentityCheck] = field(default_factory=list)


@dataclass(frozen=True)
class ReportData:
    """Everything the PDF report of one session shows."""

    session_id: str
    candidate_name: str
    started_at: datetime
    ended_at: datetime | None
    score: ScoreBreakdown
    events: list[ReportEvent]
    chat: list[ReportChat]
    generated_at: datetime
    alerts: list[ReportAlert] = field(default_factory=list)
    identity: ReportIdentity | None = None
