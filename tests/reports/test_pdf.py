"""The PDF report, read back with pypdf: every field, every event, any text shown literally."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pypdf
import pytest

from proctor.reports import ReportChat, ReportEvent
from proctor.reports.pdf import render_report
from tests.reports.conftest import START, make_events, make_report, pdf_images, pdf_pages

Text = Callable[[bytes], str]

HOSTILE_NAMES = [
    "李雷",
    "Ελένη Παπαδοπούλου",
    "Дмитрий Шостакович",
    "<b>Bold</b> & <i>friends</i>",
    "<script>alert('x')</script>",
    "Tom &amp; Jerry",
    'O\'Brien "Quote"',
    "😀 Smiley",
]


def _font_names(pdf: bytes) -> set[str]:
    names = set()
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        resources: Any = page["/Resources"]
        for font in resources["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def _squash(text: str) -> str:
    """Extracted text with line breaks and runs of spaces as single spaces."""
    return re.sub(r"\s+", " ", text)


def test_report_shows_every_required_field(report_text: Text) -> None:
    events = make_events(8)
    chat = [
        ReportChat(START + timedelta(seconds=20), "interviewer", "Grace", "Share your screen"),
        ReportChat(START + timedelta(seconds=50), "candidate", "Ada Lovelace", "Done, thanks"),
    ]
    pdf = render_report(make_report(events, chat, ended_after_s=3725))
    assert pdf.startswith(b"%PDF-")
    text = report_text(pdf)
    flat = _squash(text)
    for expected in [
        "Proctoring report",
        "Ada Lovelace",
        "sess-7f3a9c",
        "2026-11-25 09:30:00 UTC",  # start
        "2026-11-25 10:32:05 UTC",  # end
        "1:02:05",  # duration
        "Integrity score",
        "Timeline chart",
        "Summary by event type",
        "Timeline (8 events)",
        "Chat transcript (2 messages)",
        "Share your screen",
        "Done, thanks",
        "Grace (Interviewer)",
    ]:
        assert expected in flat, expected
    # 8 events: one of each kind; score 100 - (3+5+10+5+10+10+5+3) = 49
    assert "49.0" in text
    assert "out of 100" in text


def test_breakdown_and_counts_per_type(report_text: Text) -> None:
    events = make_events(16)  # every kind twice
    report = make_report(events)
    flat = _squash(report_text(render_report(report)))
    assert report.score.score == 0.0
    # breakdown rows: name, count, deduction
    assert "Object detected 4 −40" in flat
    assert "Multiple faces 2 −20" in flat
    assert "Looking away 2 −6" in flat
    assert "Total 16 −102" in flat
    # summary rows: name, count, total duration, first offset
    assert "Object detected: cell phone 2 0:00:06 +0:00:19" in flat
    assert "Object detected: book 2 0:00:24 +0:00:40" in flat
    assert "Window focus lost 2 — +0:00:26" in flat


def test_timeline_rows_are_chronological_with_offsets(report_text: Text) -> None:
    events = make_events(6)
    shuffled = [events[i] for i in (3, 0, 5, 1, 4, 2)]
    flat = _squash(report_text(render_report(make_report(shuffled))))
    rows = [
        "1 09:30:05 +0:00:05 Looking away 6.0 s Camera",
        "2 09:30:12 +0:00:12 No face detected 4.5 s Camera",
        "3 09:30:19 +0:00:19 Object detected: cell phone 3.0 s Camera",
        "4 09:30:26 +0:00:26 Window focus lost — Browser",
    ]
    positions = [flat.find(row) for row in rows]
    assert all(p >= 0 for p in positions), positions
    assert positions == sorted(positions)


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_names_and_messages_render_literally(name: str, report_text: Text) -> None:
    chat = [ReportChat(START + timedelta(seconds=9), "candidate", name, f"{name} says hi")]
    events = [
        ReportEvent(
            START + timedelta(seconds=3),
            "manual",
            f"note about {name}",
            None,
            "manual",
            "interviewer",
        ),
    ]
    text = _squash(report_text(render_report(make_report(events, chat, name=name))))
    assert text.count(name) >= 4, text  # candidate line, event detail, chat name and message


def test_every_script_at_once(report_text: Text) -> None:
    message = "你好 李雷, Ελένη, Привет, مرحبا, שלום, नमस्ते, 😀 & <b>bold</b>"
    chat = [ReportChat(START, "candidate", "李雷 Ελένη", message)]
    pdf = render_report(make_report(chat=chat, name="李雷 Ελένη 😀"))
    text = report_text(pdf)
    for piece in ["你好", "李雷", "Ελένη", "Привет", "😀", "<b>bold</b>", "&"]:
        assert piece in text, piece
    assert "\ufffd" not in text  # every character had a font
    fonts = _font_names(pdf)
    assert not any("Helvetica" in f or "Times" in f for f in fonts), fonts  # Latin-1 only fonts


def test_markup_like_text_is_not_interpreted(report_text: Text) -> None:
    name = '<font name="Courier">x</font><br/><para>'
    pdf = render_report(make_report(name=name))
    assert name in report_text(pdf)


@pytest.mark.slow
def test_five_hundred_events_all_listed_across_pages(evidence_jpegs: list[bytes]) -> None:
    events = make_events(500, evidence=evidence_jpegs)
    pdf = render_report(make_report(events, ended_after_s=3700))
    pages = pdf_pages(pdf)
    assert len(pages) > 10
    flat = _squash("\n".join(pages))
    assert "Timeline (500 events)" in flat
    numbers = [int(n) for n in re.findall(r"(?:^| )(\d{1,3}) \d\d:\d\d:\d\d \+\d:\d\d:\d\d", flat)]
    assert numbers == list(range(1, 501))
    for index, page in enumerate(pages, start=1):
        assert f"Page {index} of {len(pages)}" in page
        assert "sess-7f3a9c" in page
    table_pages = [p for p in pages if re.search(r"\d\d:\d\d:\d\d \+\d:\d\d:\d\d", _squash(p))]
    assert len(table_pages) > 10
    assert all("Time (UTC)" in page for page in table_pages)  # header repeated on every page


def test_real_images_become_thumbnails(evidence_jpegs: list[bytes]) -> None:
    events = make_events(6, evidence=evidence_jpegs[:6])
    pdf = render_report(make_report(events))
    assert pdf_images(pdf) == 6
    assert len(pdf) < 400_000  # thumbnails, not the originals


def test_corrupt_or_missing_evidence_shows_a_dash(
    evidence_jpegs: list[bytes], report_text: Text
) -> None:
    good = evidence_jpegs[0]
    broken = [b"", b"not a jpeg", good[: len(good) // 3], b"\xff\xd8\xff\xe0" + b"\x00" * 64, None]
    events = make_events(len(broken) + 1, evidence=[*broken, good])
    pdf = render_report(make_report(events))
    assert pdf_images(pdf) == 1
    flat = _squash(report_text(pdf))
    assert "Timeline (6 events)" in flat
    assert flat.count("Camera —") + flat.count("Browser —") >= len(broken)


def test_empty_session_in_progress(report_text: Text) -> None:
    pdf = render_report(make_report(ended_after_s=None))
    flat = _squash(report_text(pdf))
    assert "Ended in progress" in flat
    assert "Duration in progress" in flat
    assert "100.0" in flat
    assert "No events were recorded." in flat
    assert "No chat messages." in flat
    assert "Page 1 of 1" in flat


def test_long_and_multiline_messages_fit(report_text: Text) -> None:
    lines = "\n".join(f"line {i}" for i in range(300))
    chat = [
        ReportChat(START, "candidate", "Ada", "x" * 2000),
        ReportChat(START, "candidate", "Ada", lines),
        ReportChat(START, "candidate", "Ada", "李" * 2000),
    ]
    text = report_text(render_report(make_report(chat=chat)))
    assert "line 0" in text
    assert "line 39" in text
    assert "line 299" not in text  # clipped so one row fits a page


def test_naive_utc_datetimes_from_a_database_are_accepted(report_text: Text) -> None:
    naive = START.replace(tzinfo=None)
    events = [replace(e, timestamp=e.timestamp.replace(tzinfo=None)) for e in make_events(3)]
    data = replace(make_report(events), started_at=naive, ended_at=naive + timedelta(seconds=90))
    flat = _squash(report_text(render_report(data)))
    assert "2026-11-25 09:30:00 UTC" in flat
    assert "Duration 0:01:30" in flat
    assert "1 09:30:05 +0:00:05 Looking away" in flat
