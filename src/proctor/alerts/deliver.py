"""Sending one claimed alert: through Apprise for every notification URL, or as a signed JSON
post for the webhook. Blocking calls, run in worker threads of their own (never the event loop,
never the threads the live path uses).

Each returns None on success, else why it failed, in words that carry no address or secret.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import apprise

from proctor import __version__
from proctor.alerts import content
from proctor.alerts.outbox import Job
from proctor.alerts.signing import ALERT_ID_HEADER, sign

log = logging.getLogger(__name__)
USER_AGENT = f"Proctor/{__version__}"


def send(job: Job, *, secret: str | None, evidence_root: Path, timeout: float) -> str | None:
    if job.channel.scope == "webhook":
        return send_webhook(job, secret or "", timeout)
    return send_apprise(job, evidence_root, timeout)


def job_message(job: Job) -> content.Message:
    if job.kind == "digest":
        candidate = str(job.payload.get("candidate", ""))
        return content.digest(job.session_id, candidate, job.items)
    return content.message(job.payload)


def _evidence(root: Path, relative: str | None) -> str | None:
    if not relative:
        return None
    path = (root / relative).resolve()
    return str(path) if path.is_relative_to(root) and path.is_file() else None


def send_apprise(job: Job, evidence_root: Path, timeout: float) -> str | None:
    """Notify the job's one Apprise URL, with the evidence thumbnail attached when the service
    takes attachments (Apprise leaves it out for those that do not)."""
    notifier = apprise.Apprise()
    if not notifier.add(job.channel.url):
        return "Apprise cannot read this URL"
    message = job_message(job)
    attachment = _evidence(evidence_root.resolve(), message.evidence_path)
    notify_type = apprise.NotifyType.WARNING
    with notifier.notify(
        message.body,
        title=message.title,
        notify_type=notify_type,
        attach=attachment,
        timeout=timeout,
    ) as result:
        if result.success_count and not result.failed_count:
            return None
        problems = [e.message for e in result.logs() if e.level in ("WARNING", "ERROR")]
        return "; ".join(problems[-2:]) or f"not delivered ({result.status.name.lower()})"


def webhook_body(job: Job) -> dict[str, Any]:
    """The full event JSON (or, for a digest, every held event), with the alert's id."""
    if job.kind == "digest":
        return {
            "kind": "digest",
            "alert_id": job.id,
            "session_id": job.session_id,
            "candidate": job.payload.get("candidate", ""),
            "alerts": [_alert_fields(p) for p in job.items],
        }
    return {"kind": "alert", "alert_id": job.id, **_alert_fields(job.payload)}


def _alert_fields(payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "session_id": payload["event"]["session_id"],
        "candidate": payload.get("candidate", ""),
        "summary": payload.get("words", ""),
        "review_url": payload.get("link", ""),
        "duration_s": payload.get("duration_s"),
        "event": payload["event"],
    }


def send_webhook(job: Job, secret: str, timeout: float) -> str | None:
    """POST the event JSON, signed: HMAC-SHA256 over the timestamp and the body."""
    body = json.dumps(webhook_body(job), separators=(",", ":"), sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        ALERT_ID_HEADER: str(job.id),
        **sign(secret, body),
    }
    request = urllib.request.Request(job.channel.url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = int(response.status)
    except urllib.error.HTTPError as exc:
        return f"the webhook answered HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return f"the webhook could not be reached: {type(reason).__name__}: {reason}"[:300]
    return None if 200 <= status < 300 else f"the webhook answered HTTP {status}"
