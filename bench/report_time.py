"""PDF report time: a session of 500 events, each with its own evidence thumbnail.

Evidence is made from the evaluation images the way the server stores it (JPEG 320 px wide,
a different crop per event so no two are alike); the chat has 40 messages in several scripts.
Prints the first render in this process (fonts still to load and cut) and the median wall and
CPU time of the following ones. Usage:

    python -m bench.report_time [--events 500] [--runs 7]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image

from proctor.config import DEFAULT_SCORE_WEIGHTS
from proctor.reports import ReportChat, ReportData, ReportEvent
from proctor.reports.pdf import render_report
from proctor.scoring import compute_score

EVALSET = Path(
    os.environ.get("PROCTOR_EVALSET", Path(__file__).resolve().parents[2] / "shared" / "evalset")
)
START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
KINDS = [
    ("looking_away", "", 6.0),
    ("no_face_detected", "", 4.0),
    ("object_detected", "cell_phone", 3.0),
    ("focus_lost", "", None),
    ("multiple_faces_detected", "", 2.5),
    ("copy_paste", "", None),
]
MESSAGES = ["Can you hear me?", "Yes, clearly.", "李雷: 好的 😀", "Ελένη: ναι", "مرحبا"]


def evidence(count: int) -> list[bytes]:
    """``count`` distinct server-sized JPEG thumbnails cut from the evaluation images."""
    paths = sorted((EVALSET / "images").glob("*.jpg"))
    if not paths:
        raise SystemExit(f"no evaluation images in {EVALSET / 'images'} (set PROCTOR_EVALSET)")
    images = [Image.open(p).convert("RGB") for p in paths]
    out = []
    for i in range(count):
        image = images[i % len(images)]
        shift = 1 + i // len(images)  # a different crop each round
        box = (shift, shift, image.width - shift, image.height - shift)
        thumb = image.crop(box)
        thumb.thumbnail((320, 10_000))  # the server keeps evidence 320 px wide
        buffer = io.BytesIO()
        thumb.save(buffer, format="JPEG", quality=80)
        out.append(buffer.getvalue())
    return out


def session(events: int) -> ReportData:
    jpegs = evidence(events)
    rows = []
    for i in range(events):
        kind, detail, duration = KINDS[i % len(KINDS)]
        rows.append(
            ReportEvent(
                START + timedelta(seconds=7 * i),
                kind,
                detail,
                duration,
                "vision" if duration else "browser",
                "candidate",
                jpegs[i],
            )
        )
    chat = [
        ReportChat(
            START + timedelta(seconds=90 * i),
            "candidate" if i % 2 else "interviewer",
            "Ada" if i % 2 else "Grace",
            MESSAGES[i % len(MESSAGES)],
        )
        for i in range(40)
    ]
    return ReportData(
        session_id="bench-session",
        candidate_name="Ada Lovelace",
        started_at=START,
        ended_at=START + timedelta(seconds=7 * events + 60),
        score=compute_score((e.type for e in rows), DEFAULT_SCORE_WEIGHTS),
        events=rows,
        chat=chat,
        generated_at=START + timedelta(hours=2),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    data = session(args.events)

    started = time.perf_counter()
    pdf = render_report(data)
    first = time.perf_counter() - started
    times, cpu = [], []
    for _ in range(args.runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        render_report(data)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)

    pages = pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page")
    print(f"report with {args.events} events, {args.events} distinct thumbnails, 40 chat messages")
    print(f"  pages: {pages}, size: {len(pdf) / 1024:.0f} KiB")
    print(f"  first render in the process: {first:.2f} s")
    print(
        f"  median of {args.runs} renders: {statistics.median(times):.2f} s "
        f"(min {min(times):.2f}, max {max(times):.2f}); "
        f"CPU time median {statistics.median(cpu):.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
