"""The timeline chart: rows per kind of event, bars for durations, ticks for instants."""

from __future__ import annotations

from datetime import timedelta
from typing import TypeVar

from reportlab.graphics.shapes import Drawing, Line, Rect, String

from proctor.reports.chart import MAX_ROWS, OTHER, PALETTE, axis_end, timeline_chart
from proctor.reports.model import ReportEvent
from proctor.reports.text import FontKit
from tests.reports.conftest import START, make_events

T = TypeVar("T")


def _shapes(drawing: Drawing, kind: type[T]) -> list[T]:
    return [s for s in drawing.contents if isinstance(s, kind)]


def _texts(drawing: Drawing) -> str:
    return "".join(s.text for s in _shapes(drawing, String))


def test_rows_bars_and_ticks() -> None:
    events = make_events(8)  # five that lasted, three instants
    kit = FontKit.for_text([])
    drawing = timeline_chart(kit, 500, START, START + timedelta(minutes=2), events)
    text = _texts(drawing)
    for name in ["Looking away", "Object detected: cell phone", "Window focus lost"]:
        assert name in text
    bars = [r for r in _shapes(drawing, Rect) if r.fillColor in PALETTE]
    ticks = [ln for ln in _shapes(drawing, Line) if ln.strokeColor in PALETTE]
    assert len(bars) == sum(1 for e in events if e.duration_s)
    assert len(ticks) == sum(1 for e in events if not e.duration_s)
    assert all(r.x + r.width <= 500 for r in bars)
    assert "0:00:00" in text and "0:02:00" in text  # axis labels
    assert drawing.initialFontName == kit.font()


def test_many_kinds_share_an_other_row() -> None:
    events = [
        ReportEvent(START + timedelta(seconds=i), f"custom_{i}", "", None, "browser", "candidate")
        for i in range(MAX_ROWS + 5)
    ]
    drawing = timeline_chart(FontKit.for_text([]), 500, START, None, events)
    labels = [s.text for s in _shapes(drawing, String) if s.x < 10]
    assert len(labels) == MAX_ROWS + 1  # rows plus "Time since start"
    assert OTHER in labels
    assert len([ln for ln in _shapes(drawing, Line) if ln.strokeColor in PALETTE]) == len(events)


def test_axis_spans_the_session_and_every_event() -> None:
    events = make_events(3)
    assert axis_end(START, START + timedelta(hours=1), events) == 3600
    # in progress: up to the end of the last event (19 s + 3 s)
    assert axis_end(START, None, events) == 22.0
    assert axis_end(START, None, []) == 1.0


def test_empty_session_has_a_placeholder_row() -> None:
    drawing = timeline_chart(FontKit.for_text([]), 400, START, None, [])
    assert "No events" in _texts(drawing)
