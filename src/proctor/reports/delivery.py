"""The report's alerts section: each alert sent for the session and how its delivery went.

Left out when the session had no alert (none configured, or nothing critical happened).
"""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, Paragraph

from proctor.reports import labels
from proctor.reports.model import ReportAlert, ReportData
from proctor.reports.sections import Styles, _table

CHANNELS = {"operator": "Proctors", "session": "Session's address", "webhook": "Webhook"}


def status_words(alert: ReportAlert) -> str:
    """Sent, retrying, failed and why, in words."""
    tries = "1 attempt" if alert.attempts == 1 else f"{alert.attempts} attempts"
    why = alert.error or "no answer"
    return {
        "sent": f"sent after {tries}" if alert.attempts > 1 else "sent",
        "pending": f"retrying ({tries} failed: {why})" if alert.attempts else "waiting",
        "sending": "sending",
        "failed": f"failed after {tries}: {why}",
        "held": "held back by the rate limit, for a digest",
        "digested": "sent in a digest",
        "skipped": f"not sent: {why}",
    }.get(alert.status, alert.status)


def alerts(data: ReportData, st: Styles, width: float) -> list[Flowable]:
    if not data.alerts:
        return []
    flow: list[Flowable] = [
        CondPageBreak(45 * mm),
        Paragraph(f"Alerts ({len(data.alerts)})", st.heading),
    ]
    fixed = [19 * mm, 40 * mm, 30 * mm]
    rows: list[list[object]] = [["Time (UTC)", "Event", "Sent to", "Delivery"]]
    for alert in sorted(data.alerts, key=lambda a: a.created_at):
        where = CHANNELS.get(alert.channel, alert.channel)
        rows.append(
            [
                labels.format_clock(alert.created_at, data.started_at),
                st.para(alert.event, width=fixed[1]),
                st.para(f"{where} (digest)" if alert.kind == "digest" else where, width=fixed[2]),
                st.para(labels.clip(status_words(alert)), width=width - sum(fixed)),
            ]
        )
    return [*flow, _table(rows, [*fixed, width - sum(fixed)], st.kit)]
