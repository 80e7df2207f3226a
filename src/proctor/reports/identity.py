"""The report's identity section: which photo the candidate was checked against, how the live
checks went, and every check that did not match (all checks when there are few)."""

from __future__ import annotations

import statistics

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, Paragraph

from proctor.identity.verify import THRESHOLDS
from proctor.reports import labels
from proctor.reports.model import ReportData
from proctor.reports.sections import Styles, _table

LIST_ALL_UP_TO = 40  # checks; past this only the mismatches are listed (one every 10 s adds up)
PHOTOS = {"enrolment": "enrolment photo", "reference": "reference photo"}


def _photos(data: ReportData) -> str:
    ident = data.identity
    assert ident is not None
    parts = []
    for what, at in (
        ("enrolment photo taken", ident.enrolled_at),
        ("reference photo attached", ident.reference_at),
    ):
        if at is not None:
            parts.append(f"{what} {labels.format_clock(at, data.started_at)}")
    return "; ".join(parts) if parts else "no enrolment or reference photo"


def identity(data: ReportData, st: Styles, width: float) -> list[Flowable]:
    ident = data.identity
    if ident is None:
        return []
    flow: list[Flowable] = [CondPageBreak(45 * mm), Paragraph("Identity", st.heading)]
    checks = sorted(ident.checks, key=lambda c: c.at)
    photos = _photos(data)
    if not checks:
        text = f"{photos[:1].upper()}{photos[1:]}. No live identity check was made."
        return [*flow, Paragraph(text, st.body)]
    failed = [c for c in checks if not c.same_person]
    scores = [c.score for c in checks]
    mismatches = sum(1 for e in data.events if e.type == "identity_mismatch")
    scores_dlib = [c.score for c in checks if c.model == "dlib"]
    text = (
        f"{len(checks) - len(failed)} matched, {len(failed)} did not. Each check looks first "
        f"with a fast descriptor (faceres: a match from {THRESHOLDS['faceres']:.2f}); when it "
        f"does not match, dlib's descriptor decides (a match from {ident.threshold:.2f}; its "
        f"lowest similarity here {min(scores_dlib):.2f})."
        if scores_dlib
        else f"{len(checks) - len(failed)} matched, {len(failed)} did not (the fast descriptor, "
        f"faceres, matched every one: median similarity {statistics.median(scores):.2f})."
    )
    text = (
        f"{photos[:1].upper()}{photos[1:]}. {len(checks)} live check(s) of the candidate's face: "
        + text
        + f" Sustained mismatches (identity_mismatch events): {mismatches}."
    )
    flow.append(Paragraph(text, st.body))
    listed = checks if len(checks) <= LIST_ALL_UP_TO else failed
    if not listed:
        return flow
    if listed is failed:
        flow.append(Paragraph("Checks that did not match:", st.muted))
    rows: list[list[object]] = [
        ["Time (UTC)", "Offset", "Compared with", "Descriptor", "Similarity", "Result"]
    ]
    for c in listed:
        rows.append(
            [
                labels.format_clock(c.at, data.started_at),
                labels.format_offset(c.at, data.started_at),
                PHOTOS.get(c.against, c.against),
                c.model,
                f"{c.score:.3f}",
                "match" if c.same_person else "NOT the same person",
            ]
        )
    fixed = [19 * mm, 16 * mm, 30 * mm, 20 * mm, 20 * mm]
    extra = [("ALIGN", (4, 0), (4, -1), "RIGHT")]
    return [*flow, _table(rows, [*fixed, width - sum(fixed)], st.kit, extra)]
