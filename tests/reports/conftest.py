"""Report builders shared by the report tests: sessions made of real evaluation images."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pypdf
import pytest

from proctor.config import DEFAULT_SCORE_WEIGHTS
from proctor.reports import ReportChat, ReportData, ReportEvent
from proctor.scoring import compute_score

START = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)

# (type, detail, duration) cycled through by ``make_events``
KINDS: list[tuple[str, str, float | None]] = [
    ("looking_away", "", 6.0),
    ("no_face_detected", "", 4.5),
    ("object_detected", "cell_phone", 3.0),
    ("focus_lost", "", None),
    ("multiple_faces_detected", "", 2.0),
    ("object_detected", "book", 12.0),
    ("copy_paste", "", None),
    ("fullscreen_exit", "", None),
]
BROWSER_KINDS = ("focus_lost", "copy_paste", "fullscreen_exit")


def make_events(
    count: int, evidence: Sequence[bytes | None] = (), step_s: float = 7.0
) -> list[ReportEvent]:
    events = []
    for i in range(count):
        kind, detail, duration = KINDS[i % len(KINDS)]
        events.append(
            ReportEvent(
                timestamp=START + timedelta(seconds=5 + i * step_s),
                type=kind,
                detail=detail,
                duration_s=duration,
                source="browser" if kind in BROWSER_KINDS else "vision",
                role="candidate",
                evidence_jpeg=evidence[i % len(evidence)] if evidence else None,
            )
        )
    return events


def make_report(
    events: list[ReportEvent] | None = None,
    chat: list[ReportChat] | None = None,
    *,
    name: str = "Ada Lovelace",
    session_id: str = "sess-7f3a9c",
    ended_after_s: float | None = 3600.0,
) -> ReportData:
    events = events or []
    return ReportData(
        session_id=session_id,
        candidate_name=name,
        started_at=START,
        ended_at=START + timedelta(seconds=ended_after_s) if ended_after_s is not None else None,
        score=compute_score((e.type for e in events), DEFAULT_SCORE_WEIGHTS),
        events=events,
        chat=chat or [],
        generated_at=START + timedelta(hours=2),
    )


def pdf_pages(pdf: bytes) -> list[str]:
    """The text of every page, as a PDF reader extracts it."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [page.extract_text() for page in reader.pages]


def pdf_images(pdf: bytes) -> int:
    """How many image placements the PDF's pages have."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return sum(len(page.images) for page in reader.pages)


@pytest.fixture(scope="session")
def evidence_jpegs(evalset: Path) -> list[bytes]:
    """Real evaluation images, as stored evidence would be (JPEG bytes)."""
    return [p.read_bytes() for p in sorted((evalset / "images").glob("*.jpg"))]


@pytest.fixture(scope="session")
def report_text() -> Callable[[bytes], str]:
    return lambda pdf: "\n".join(pdf_pages(pdf))
