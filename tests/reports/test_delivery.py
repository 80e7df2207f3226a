"""The report's alerts section: each alert, where it went and how its delivery went (sent,
retrying, failed and why); no section when the session had no alert."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from proctor.reports.model import ReportAlert
from proctor.reports.pdf import render_report
from tests.reports.conftest import START, make_report


def alert(status: str, attempts: int, error: str | None = None, **kw: object) -> ReportAlert:
    values: dict[str, object] = {
        "created_at": START + timedelta(minutes=5),
        "event": "phone seen",
        "channel": "operator",
        "kind": "event",
        "status": status,
        "attempts": attempts,
        "sent_at": None,
        "error": error,
        **kw,
    }
    return ReportAlert(**values)  # type: ignore[arg-type]


def test_alerts_show_with_their_delivery(report_text: Callable[[bytes], str]) -> None:
    data = replace(
        make_report(),
        alerts=[
            alert("sent", 1, sent_at=START + timedelta(minutes=5, seconds=1)),
            alert("failed", 8, "the webhook answered HTTP 500", channel="webhook"),
            alert("pending", 2, "Connection refused", channel="session"),
            alert("sent", 1, event="several events", kind="digest"),
        ],
    )
    text = " ".join(report_text(render_report(data)).split())
    assert "Alerts (4)" in text
    assert "failed after 8 attempts: the webhook answered HTTP 500" in text
    assert "retrying (2 attempts failed: Connection refused)" in text
    assert "Proctors (digest)" in text and "Webhook" in text and "Session's address" in text


def test_no_alerts_no_section(report_text: Callable[[bytes], str]) -> None:
    assert "Alerts" not in report_text(render_report(make_report()))
