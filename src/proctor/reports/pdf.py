"""The session report as a PDF (ReportLab platypus): ``render_report(data) -> bytes``."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import SimpleDocTemplate

from proctor.reports import delivery, identity, sections
from proctor.reports.labels import utc
from proctor.reports.model import ReportData
from proctor.reports.text import FontKit

MARGIN = 15 * mm
FOOTER_Y = 9 * mm


def _texts(data: ReportData) -> Iterator[str]:
    """Every piece of user text the report can show, so its fonts hold all of it."""
    yield data.candidate_name
    yield data.session_id
    for item in data.score.items:
        yield item.type
    for event in data.events:
        yield from (event.type, event.detail, event.source, event.role)
    for message in data.chat:
        yield from (message.role, message.name, message.message)
    for alert in data.alerts:
        yield from (alert.event, alert.error or "")


def _canvas_maker(kit: FontKit, session_id: str) -> Callable[..., Canvas]:
    """A canvas that writes "Page X of Y" once it knows Y (pages are kept until save)."""

    class NumberedCanvas(Canvas):  # type: ignore[misc]  # ReportLab ships no type hints
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._footer(total)
                super().showPage()
            super().save()

        def _footer(self, total: int) -> None:
            width, _ = self._pagesize
            self.setFillColor(sections.MUTED)
            self.setStrokeColor(sections.MUTED)
            self.setLineWidth(0.3)
            self.line(MARGIN, FOOTER_Y + 9, width - MARGIN, FOOTER_Y + 9)
            label = kit.fit(f"Proctor report · session {session_id}", 7.5, width / 2)
            kit.draw(self, MARGIN, FOOTER_Y, label, 7.5)
            kit.draw(
                self,
                width - MARGIN,
                FOOTER_Y,
                f"Page {self._pageNumber} of {total}",
                7.5,
                align="right",
            )

    return NumberedCanvas


def _in_utc(data: ReportData) -> ReportData:
    """Every datetime aware and in UTC (databases may hand back naive UTC datetimes)."""
    return replace(
        data,
        started_at=utc(data.started_at),
        ended_at=utc(data.ended_at) if data.ended_at is not None else None,
        generated_at=utc(data.generated_at),
        events=[replace(e, timestamp=utc(e.timestamp)) for e in data.events],
        chat=[replace(m, timestamp=utc(m.timestamp)) for m in data.chat],
    )


def render_report(data: ReportData) -> bytes:
    """The whole report; any text in ``data`` is shown literally, in any script."""
    data = _in_utc(data)
    kit = FontKit.for_text(_texts(data), bold=[data.candidate_name])
    st = sections.Styles(kit)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 6 * mm,
        title=f"Proctoring report: {data.candidate_name}",
        author="Proctor",
        subject=f"Session {data.session_id}",
        creator="Proctor",
        # Not Helvetica: a PDF that names a font it does not embed is not self-contained.
        initialFontName=kit.font(),
    )
    width = doc.width
    story = [
        *sections.header(data, st, width),
        *sections.score(data, st, width),
        *sections.chart(data, st, width),
        *sections.summary(data, st, width),
        *sections.looking_away(data, st, width),
        *identity.identity(data, st, width),
        *sections.timeline(data, st, width),
        *delivery.alerts(data, st, width),
        *sections.chat(data, st, width),
    ]
    doc.build(story, canvasmaker=_canvas_maker(kit, data.session_id))
    return out.getvalue()
