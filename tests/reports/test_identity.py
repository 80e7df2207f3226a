"""The report's identity section, read back with pypdf: the photos, a summary of the live
checks, and the checks themselves (only the mismatches once there are many); the score
deducts for each identity_mismatch event."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from proctor.config import DEFAULT_SCORE_WEIGHTS
from proctor.reports.identity import LIST_ALL_UP_TO
from proctor.reports.model import ReportEvent, ReportIdentity, ReportIdentityCheck
from proctor.reports.pdf import render_report
from proctor.scoring import compute_score
from tests.reports.conftest import START, make_report

Text = Callable[[bytes], str]


def checks(results: list[bool]) -> list[ReportIdentityCheck]:
    return [
        ReportIdentityCheck(
            START + timedelta(seconds=10 * (i + 1)),
            "enrolment",
            "faceres" if ok else "dlib",
            0.95 if ok else 0.71,
            ok,
        )
        for i, ok in enumerate(results)
    ]


def mismatch_event(at_s: float) -> ReportEvent:
    return ReportEvent(
        START + timedelta(seconds=at_s),
        "identity_mismatch",
        "3 of the last 4",
        30.0,
        "vision",
        "candidate",
    )


def test_checks_and_mismatches_are_listed_and_deducted(report_text: Text) -> None:
    events = [mismatch_event(40)]
    data = replace(
        make_report(events),
        identity=ReportIdentity(
            0.92, enrolled_at=START, checks=checks([True, False, False, False])
        ),
    )
    text = report_text(render_report(data))
    assert "Identity" in text
    assert "Enrolment photo taken" in text
    assert "4 live check(s)" in text and "1 matched, 3 did not" in text
    assert "Sustained mismatches (identity_mismatch events): 1" in text
    assert text.count("NOT the same person") == 3 and "0.710" in text
    weight = DEFAULT_SCORE_WEIGHTS["identity_mismatch"]
    assert weight > 0 and data.score.score == 100 - weight
    assert compute_score(["identity_mismatch"] * 2, DEFAULT_SCORE_WEIGHTS).score == 100 - 2 * weight


def test_many_checks_list_only_the_mismatches(report_text: Text) -> None:
    results = [True] * (LIST_ALL_UP_TO + 10) + [False]
    data = replace(
        make_report([]),
        identity=ReportIdentity(0.92, reference_at=START, checks=checks(results)),
    )
    text = report_text(render_report(data))
    assert "Reference photo attached" in text and "Checks that did not match" in text
    assert text.count("NOT the same person") == 1 and text.count("match\n") <= 1


def test_no_photo_and_no_check_says_so(report_text: Text) -> None:
    data = replace(make_report([]), identity=ReportIdentity(0.92))
    text = report_text(render_report(data))
    assert "No enrolment or reference photo. No live identity check was made." in text
