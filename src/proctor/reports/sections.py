"""The report's parts as platypus flowables: header, score, summaries, timeline, chat."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    Image,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from proctor.reports import labels
from proctor.reports.attention import away_time
from proctor.reports.chart import timeline_chart
from proctor.reports.images import ThumbnailCache
from proctor.reports.model import ReportData
from proctor.reports.text import FontKit, starts_rtl

THUMB_BOX = (20 * mm, 15 * mm)
GRID = colors.HexColor("#d5d8dc")
HEADER_BG = colors.HexColor("#e8eef4")
MUTED = colors.HexColor("#5d6d7e")
CELL_PADDING = 6  # ReportLab's default left and right cell padding


@dataclass
class Styles:
    """Paragraph styles in the report's fonts."""

    kit: FontKit

    def __post_init__(self) -> None:
        regular, bold = self.kit.font(), self.kit.font(bold=True)
        self.body = ParagraphStyle("body", fontName=regular, fontSize=9, leading=12)
        self.cell = ParagraphStyle("cell", fontName=regular, fontSize=8, leading=10)
        self.title = ParagraphStyle("title", fontName=bold, fontSize=18, leading=22, spaceAfter=4)
        self.heading = ParagraphStyle(
            "heading",
            fontName=bold,
            fontSize=12,
            leading=15,
            spaceBefore=10,
            spaceAfter=5,
        )
        self.muted = ParagraphStyle("muted", parent=self.body, textColor=MUTED)
        self.score = ParagraphStyle(
            "score", fontName=bold, fontSize=40, leading=44, alignment=TA_CENTER
        )
        self.center = ParagraphStyle("center", parent=self.body, alignment=TA_CENTER)
        self.muted_center = ParagraphStyle("muted_center", parent=self.muted, alignment=TA_CENTER)

    def para(
        self,
        text: str,
        style: ParagraphStyle | None = None,
        *,
        bold: bool = False,
        width: float | None = None,
    ) -> Paragraph:
        """User text as a paragraph: escaped, every character in a font that has it.

        ``width`` (the column's, for free text) lets right-to-left text wrap correctly.
        """
        style = style or self.cell
        if starts_rtl(text):
            style = ParagraphStyle(f"{style.name}-rtl", parent=style, alignment=TA_RIGHT)
        inner = None if width is None else width - 2 * CELL_PADDING
        markup = self.kit.markup(text, bold=bold, size=style.fontSize, width=inner)
        return Paragraph(markup, style)


def _table(
    rows: list[list[object]],
    widths: Sequence[float],
    kit: FontKit,
    extra: Sequence[tuple[object, ...]] = (),
) -> Table:
    """A grid table whose first row is a header repeated on every page."""
    table = Table(rows, colWidths=list(widths), repeatRows=1, splitInRow=1)
    commands: list[tuple[object, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), kit.font()),
        ("FONTNAME", (0, 0), (-1, 0), kit.font(bold=True)),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("LEADING", (0, 0), (-1, -1), 10),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        *extra,
    ]
    table.setStyle(TableStyle(commands))
    return table


def _break() -> Flowable:
    """A new page before a section heading when too little room is left for its first rows."""
    return CondPageBreak(45 * mm)


def _score_color(score: float) -> colors.Color:
    if score >= 80:
        return colors.HexColor("#1e8449")
    if score >= 50:
        return colors.HexColor("#b9770e")
    return colors.HexColor("#b03a2e")


def header(data: ReportData, st: Styles, width: float) -> list[Flowable]:
    """Title and who, when, how long."""
    ended = labels.format_datetime(data.ended_at) if data.ended_at else "in progress"
    duration = (
        labels.format_duration((data.ended_at - data.started_at).total_seconds())
        if data.ended_at
        else "in progress"
    )
    value_width = width - 32 * mm
    rows = [
        ("Candidate", st.para(data.candidate_name, st.body, bold=True, width=value_width)),
        ("Session ID", st.para(data.session_id, st.body, width=value_width)),
        ("Started", labels.format_datetime(data.started_at)),
        ("Ended", ended),
        ("Duration", duration),
        ("Events", str(len(data.events))),
        ("Chat messages", str(len(data.chat))),
    ]
    info = Table([list(r) for r in rows], colWidths=[32 * mm, value_width])
    info.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (0, -1), st.kit.font(bold=True)),
                ("FONTNAME", (1, 0), (1, -1), st.kit.font()),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("TEXTCOLOR", (0, 0), (0, -1), MUTED),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, GRID),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return [
        Paragraph("Proctoring report", st.title),
        Paragraph(f"Generated {labels.format_datetime(data.generated_at)}", st.muted),
        Spacer(1, 4 * mm),
        info,
    ]


def score(data: ReportData, st: Styles, width: float) -> list[Flowable]:
    """The integrity score, large, beside the deductions that made it."""
    result = data.score
    big = ParagraphStyle("big", parent=st.score, textColor=_score_color(result.score))
    deducted = labels.format_deduction(result.total_deduction).lstrip("−")
    left = [
        Paragraph(labels.format_score(result.score), big),
        Paragraph("out of 100", st.center),
        Spacer(1, 2 * mm),
        Paragraph(f"{deducted} points deducted", st.muted_center),
    ]
    right_width = width - 55 * mm
    inner = right_width - 8  # the outer cell's left padding
    rows: list[list[object]] = [["Event type", "Count", "Deduction"]]
    for item in result.items:
        rows.append(
            [
                st.para(labels.type_name(item.type), width=inner - 40 * mm),
                str(item.count),
                labels.format_deduction(item.deduction),
            ]
        )
    if not result.items:
        rows.append(["No events", "0", "0"])
    rows.append(
        [
            "Total",
            str(sum(i.count for i in result.items)),
            labels.format_deduction(result.total_deduction),
        ]
    )
    breakdown = _table(
        rows,
        [inner - 40 * mm, 16 * mm, 24 * mm],
        st.kit,
        [
            ("FONTNAME", (0, -1), (-1, -1), st.kit.font(bold=True)),
            ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
            ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
        ],
    )
    outer = Table([[left, breakdown]], colWidths=[55 * mm, right_width])
    outer.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), st.kit.font()),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BOX", (0, 0), (0, 0), 1.2, _score_color(result.score)),
                ("LEFTPADDING", (1, 0), (1, 0), 8),
                ("RIGHTPADDING", (1, 0), (1, 0), 0),
            ]
        )
    )
    return [Paragraph("Integrity score", st.heading), outer]


def summary(data: ReportData, st: Styles, width: float) -> list[Flowable]:
    """Per kind of event: how many, how long in total, when first."""
    kinds: dict[str, list[float]] = {}
    first: dict[str, str] = {}
    for event in sorted(data.events, key=lambda e: e.timestamp):
        name = labels.event_name(event.type, event.detail)
        kinds.setdefault(name, []).append(event.duration_s or 0.0)
        first.setdefault(name, labels.format_offset(event.timestamp, data.started_at))
    flow: list[Flowable] = [_break(), Paragraph("Summary by event type", st.heading)]
    if not kinds:
        return [*flow, Paragraph("No events were recorded.", st.body)]
    rows: list[list[object]] = [["Event type", "Count", "Total duration", "First at"]]
    for name in sorted(kinds, key=lambda n: (-len(kinds[n]), n)):
        total = sum(kinds[name])
        rows.append(
            [
                st.para(name, width=width - 72 * mm),
                str(len(kinds[name])),
                labels.format_duration(total) if total else labels.NO_VALUE,
                first[name],
            ]
        )
    table = _table(
        rows,
        [width - 72 * mm, 18 * mm, 28 * mm, 26 * mm],
        st.kit,
        [("ALIGN", (1, 0), (-1, -1), "RIGHT")],
    )
    return [*flow, table]


def looking_away(data: ReportData, st: Styles, width: float) -> list[Flowable]:
    """The share of the session spent looking away, its longest stretch, time per reason."""
    away = away_time(data)
    heading = Paragraph("Looking away", st.heading)
    if not away.events:
        return [KeepTogether([heading, Paragraph("No looking away was recorded.", st.body)])]
    plural = "s" if away.events != 1 else ""
    # Events without a duration (logged by hand, say) have no stretch to name
    longest = (
        f"; longest stretch {labels.format_short_duration(away.longest_s)}, from "
        f"{labels.format_offset(away.longest_at, data.started_at)}"
        if away.longest_at is not None
        else ""
    )
    share = (
        f"{100 * away.share:.1f}% of the session ({labels.format_duration(away.away_s)} of "
        f"{labels.format_duration(away.session_s)}) in {away.events} event{plural}{longest}."
    )
    rows: list[list[object]] = [["Reason", "Time"]]
    for reason, seconds in sorted(away.by_reason.items(), key=lambda kv: (-kv[1], kv[0])):
        rows.append([st.para(reason[:1].upper() + reason[1:]), labels.format_duration(seconds)])
    extra = [("ALIGN", (1, 0), (1, -1), "RIGHT")]
    table = _table(rows, [width - 40 * mm, 40 * mm], st.kit, extra)
    return [KeepTogether([heading, Paragraph(share, st.body), Spacer(1, 2 * mm), table])]


def chart(data: ReportData, st: Styles, width: float) -> list[Flowable]:
    drawing = timeline_chart(st.kit, width, data.started_at, data.ended_at, data.events)
    return [KeepTogether([Paragraph("Timeline chart", st.heading), drawing])]


def timeline(data: ReportData, st: Styles, width: float) -> list[Flowable]:
    """Every event in time order, with its evidence thumbnail."""
    flow: list[Flowable] = [
        _break(),
        Paragraph(f"Timeline ({len(data.events)} events)", st.heading),
    ]
    if not data.events:
        return [*flow, Paragraph("No events were recorded.", st.body)]
    thumbs = ThumbnailCache()
    fixed = [9 * mm, 19 * mm, 16 * mm, 34 * mm, 15 * mm, 21 * mm, THUMB_BOX[0] + 12]
    widths = [*fixed[:4], width - sum(fixed), *fixed[4:]]
    rows: list[list[object]] = [
        ["#", "Time (UTC)", "Offset", "Type", "Detail", "Duration", "Source", "Evidence"]
    ]
    events = sorted(data.events, key=lambda e: e.timestamp)
    for number, event in enumerate(events, start=1):
        thumb = thumbs.get(event.evidence_jpeg)
        evidence: object = labels.NO_VALUE
        if event.source == "audio":  # its clip plays in the web app (events panel, review page)
            evidence = st.para("sound clip in the web app", width=widths[7])
        if thumb is not None:
            jpeg, w, h = thumb
            scale = min(THUMB_BOX[0] / w, THUMB_BOX[1] / h)
            evidence = Image(io.BytesIO(jpeg), width=w * scale, height=h * scale)
        rows.append(
            [
                str(number),
                labels.format_clock(event.timestamp, data.started_at),
                labels.format_offset(event.timestamp, data.started_at),
                st.para(labels.event_name(event.type, event.detail), width=widths[3]),
                st.para(
                    labels.clip(labels.event_detail(event.type, event.detail)), width=widths[4]
                ),
                labels.format_short_duration(event.duration_s),
                st.para(labels.source_name(event.source), width=widths[6]),
                evidence,
            ]
        )
    table = _table(
        rows,
        widths,
        st.kit,
        [
            ("ALIGN", (0, 1), (0, -1), "RIGHT"),
            ("ALIGN", (5, 1), (5, -1), "RIGHT"),
            ("TEXTCOLOR", (0, 1), (0, -1), MUTED),
        ],
    )
    return [*flow, table]


def chat(data: ReportData, st: Styles, width: float) -> list[Flowable]:
    """The chat transcript in time order."""
    flow: list[Flowable] = [
        _break(),
        Paragraph(f"Chat transcript ({len(data.chat)} messages)", st.heading),
    ]
    if not data.chat:
        return [*flow, Paragraph("No chat messages.", st.body)]
    fixed = [19 * mm, 16 * mm, 38 * mm]
    rows: list[list[object]] = [["Time (UTC)", "Offset", "From", "Message"]]
    for message in sorted(data.chat, key=lambda m: m.timestamp):
        role = labels.type_name(message.role) if message.role else ""
        who = f"{message.name} ({role})" if role else message.name
        rows.append(
            [
                labels.format_clock(message.timestamp, data.started_at),
                labels.format_offset(message.timestamp, data.started_at),
                st.para(who, width=fixed[2]),
                st.para(labels.clip(message.message), width=width - sum(fixed)),
            ]
        )
    table = _table(rows, [*fixed, width - sum(fixed)], st.kit)
    return [*flow, table]
