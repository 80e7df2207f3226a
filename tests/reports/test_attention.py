"""The report's looking-away part: share of the session, longest stretch, time per reason."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest

from proctor.reports import ReportEvent
from proctor.reports.attention import away_time
from proctor.reports.pdf import render_report
from tests.reports.conftest import START, make_events, make_report


def away(at_s: float, duration_s: float | None, detail: str) -> ReportEvent:
    return ReportEvent(
        timestamp=START + timedelta(seconds=at_s),
        type="looking_away",
        detail=detail,
        duration_s=duration_s,
        source="vision",
        role="candidate",
    )


def test_share_longest_stretch_and_reasons() -> None:
    events = [
        away(60, 30, "eyes away"),
        away(80, 20, "head turned"),  # overlaps the first: 60-100 s counted once
        away(300, 12, "eyes down"),
        away(590, 30, "eyes away"),  # runs past the end (600 s): cut there
        *make_events(3)[1:],  # other types do not count
    ]
    data = make_report(events, ended_after_s=600)
    result = away_time(data)
    assert result.session_s == 600 and result.events == 4
    assert result.away_s == pytest.approx(40 + 12 + 10)
    assert result.share == pytest.approx(62 / 600)
    assert result.longest_s == pytest.approx(40) and result.longest_at == START + timedelta(
        seconds=60
    )
    assert result.by_reason == {"eyes away": 60.0, "head turned": 20.0, "eyes down": 12.0}


def test_no_looking_away() -> None:
    result = away_time(make_report([], ended_after_s=600))
    assert result.away_s == 0 and result.share == 0 and result.longest_at is None


def test_the_pdf_shows_it(report_text: Callable[[bytes], str]) -> None:
    events = [away(60, 30, "eyes away"), away(200, 45.5, "head down"), *make_events(2)[1:]]
    text = re.sub(r"\s+", " ", report_text(render_report(make_report(events, ended_after_s=900))))
    assert "Looking away 8.4% of the session (0:01:16 of 0:15:00) in 2 events" in text
    assert "longest stretch 45.5 s, from +0:03:20" in text
    assert "Head down 0:00:46" in text and "Eyes away 0:00:30" in text
    quiet = report_text(render_report(make_report(make_events(3)[1:])))
    assert "No looking away was recorded." in re.sub(r"\s+", " ", quiet)
