"""The timeline chart: one row per kind of event along the session's time axis.

Events that lasted are bars as long as they lasted; instant ones are ticks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from proctor.reports.labels import event_name, format_duration, utc
from proctor.reports.model import ReportEvent
from proctor.reports.text import FontKit

MAX_ROWS = 12
ROW_HEIGHT = 14.0
LABEL_WIDTH = 130.0
AXIS_HEIGHT = 22.0
FONT_SIZE = 7.5
PALETTE = [
    colors.HexColor(c)
    for c in ("#c0392b", "#2471a3", "#d68910", "#7d3c98", "#17a589", "#a04000", "#2e4053")
]
OTHER = "Other"


def _rows(events: Sequence[ReportEvent]) -> list[str]:
    """Row names, most frequent first; past ``MAX_ROWS`` the rest share an ``Other`` row."""
    counts: dict[str, int] = {}
    for event in events:
        name = event_name(event.type, event.detail)
        counts[name] = counts.get(name, 0) + 1
    names = sorted(counts, key=lambda n: (-counts[n], n))
    if len(names) > MAX_ROWS:
        names = [*names[: MAX_ROWS - 1], OTHER]
    return names


def _tick_step(span: float) -> float:
    """A round step in seconds that gives about six ticks."""
    for step in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600):
        if span / step <= 7:
            return float(step)
    return 3600.0 * math.ceil(span / 3600 / 7)


def axis_end(start: datetime, end: datetime | None, events: Sequence[ReportEvent]) -> float:
    """Seconds the axis spans: the session, stretched to hold every event."""
    span = (utc(end) - utc(start)).total_seconds() if end is not None else 0.0
    for event in events:
        offset = (utc(event.timestamp) - utc(start)).total_seconds()
        span = max(span, offset + (event.duration_s or 0.0))
    return max(span, 1.0)


def timeline_chart(
    kit: FontKit,
    width: float,
    start: datetime,
    end: datetime | None,
    events: Sequence[ReportEvent],
) -> Drawing:
    """A drawing ``width`` points wide; its height grows with the number of rows."""
    rows = _rows(events)
    height = AXIS_HEIGHT + ROW_HEIGHT * max(1, len(rows)) + 4
    drawing = Drawing(width, height)
    drawing.initialFontName = kit.font()  # not Helvetica, which the PDF would name unembedded
    drawing.initialFontSize = FONT_SIZE
    span = axis_end(start, end, events)
    x0, x1 = LABEL_WIDTH, width - 16
    scale = (x1 - x0) / span
    top = height - 2

    def add_text(x: float, y: float, text: str, *, anchor: str = "start") -> None:
        runs = kit.runs(text)
        total = sum(stringWidth(t, f, FONT_SIZE) for f, t in runs)
        x -= {"start": 0.0, "middle": total / 2, "end": total}[anchor]
        for font, chunk in runs:
            drawing.add(String(x, y, chunk, fontName=font, fontSize=FONT_SIZE))
            x += stringWidth(chunk, font, FONT_SIZE)

    index = {name: i for i, name in enumerate(rows)}
    for i, name in enumerate(rows):
        y = top - ROW_HEIGHT * (i + 1)
        if i % 2 == 0:
            drawing.add(
                Rect(
                    x0,
                    y,
                    x1 - x0,
                    ROW_HEIGHT,
                    fillColor=colors.HexColor("#f4f6f7"),
                    strokeColor=None,
                )
            )
        add_text(4, y + 4, kit.fit(name, FONT_SIZE, LABEL_WIDTH - 10))
    if not rows:
        add_text((x0 + x1) / 2, top - ROW_HEIGHT + 4, "No events", anchor="middle")

    for event in events:
        row = index.get(event_name(event.type, event.detail), index.get(OTHER))
        if row is None:
            continue
        y = top - ROW_HEIGHT * (row + 1)
        color = PALETTE[row % len(PALETTE)]
        offset = max(0.0, (utc(event.timestamp) - utc(start)).total_seconds())
        x = x0 + offset * scale
        if event.duration_s:
            bar = max(1.5, event.duration_s * scale)
            drawing.add(
                Rect(x, y + 3, min(bar, x1 - x), ROW_HEIGHT - 6, fillColor=color, strokeColor=None)
            )
        else:
            drawing.add(Line(x, y + 2, x, y + ROW_HEIGHT - 2, strokeColor=color, strokeWidth=1.2))

    axis_y = top - ROW_HEIGHT * max(1, len(rows)) - 2
    drawing.add(Line(x0, axis_y, x1, axis_y, strokeColor=colors.grey, strokeWidth=0.6))
    step = _tick_step(span)
    tick = 0.0
    while tick <= span + 1e-6:
        x = x0 + tick * scale
        drawing.add(Line(x, axis_y, x, axis_y - 3, strokeColor=colors.grey, strokeWidth=0.6))
        add_text(x, axis_y - 11, format_duration(tick), anchor="middle")
        tick += step
    add_text(4, axis_y - 11, "Time since start")
    return drawing
