"""The alerts outbox: rows written in the transaction of their event, claimed by one sender.

A row is ``pending`` until a sender claims it (``sending``, with a lease), then ``sent``, or
``pending`` again with a later ``next_attempt_at`` (retry), or ``failed`` after the last attempt.
Over the per-session rate limit a row is ``held`` until the minute is over, then folded with the
others held into one digest row (``digested``). An alert whose event must last a while waits
until then and is ``skipped`` if the event ended sooner.

Claims use ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so servers sharing the database each take
different rows; on SQLite the claim is a single UPDATE, which SQLite runs alone.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from proctor.alerts.config import Channel, channels, rule_for
from proctor.alerts.content import alert_payload
from proctor.config import Settings
from proctor.db.models import AlertRow, EventRow, SessionRow, utcnow

WINDOW = timedelta(minutes=1)
COUNTED = ("pending", "sending", "sent", "failed")  # rows that used a place in the minute
ERROR_CHARS = 500


@dataclass(slots=True)
class Job:
    """A claimed row, ready to send (plain data: it leaves the database thread)."""

    id: int
    session_id: str
    channel: Channel
    kind: str
    claim: str
    attempts: int
    payload: dict[str, Any]
    items: list[dict[str, Any]] = field(default_factory=list)  # a digest's alerts


def session_channels(settings: Settings, session: SessionRow) -> list[Channel]:
    urls = (session.settings or {}).get("alert_urls") or []
    return channels(settings.alert_urls, list(urls), settings.webhook_url)


def enqueue(db: Session, event: EventRow, settings: Settings) -> int:
    """Write the alerts of a just-flushed ``event`` into the caller's transaction; how many."""
    rule = rule_for(settings.alert_events, event.type, event.detail)
    if rule is None:
        return 0
    if event.confidence is not None and event.confidence < rule.min_confidence:
        return 0
    session = db.get(SessionRow, event.session_id)
    if session is None:
        return 0
    targets = session_channels(settings, session)
    if not targets:
        return 0
    # Without PROCTOR_PUBLIC_URL the link is a path: a Host header is no base to trust
    payload = alert_payload(event, session.name, settings.public_url or "", rule.min_duration_s)
    now = utcnow()
    due = max(now, event.timestamp + timedelta(seconds=rule.min_duration_s))
    for target in targets:
        when, status = due, "pending"
        if _used(db, event.session_id, target.key, now) >= settings.alert_max_per_minute:
            first = _window_start(db, event.session_id, target.key, now) or now
            when, status = max(due, first + WINDOW), "held"
        db.add(
            AlertRow(
                session_id=event.session_id,
                event_id=event.id,
                channel=target.key,
                kind="event",
                status=status,
                attempts=0,
                next_attempt_at=when,
                created_at=now,
                payload=payload,
            )
        )
    return len(targets)


def _recent(session_id: str, channel: str, now: datetime) -> Any:
    return and_(
        AlertRow.session_id == session_id,
        AlertRow.channel == channel,
        AlertRow.status.in_(COUNTED),
        AlertRow.created_at > now - WINDOW,
    )


def _used(db: Session, session_id: str, channel: str, now: datetime) -> int:
    query = select(func.count()).select_from(AlertRow).where(_recent(session_id, channel, now))
    return int(db.execute(query).scalar_one())


def _window_start(db: Session, session_id: str, channel: str, now: datetime) -> datetime | None:
    query = select(func.min(AlertRow.created_at)).where(_recent(session_id, channel, now))
    found: datetime | None = db.execute(query).scalar_one()
    return found


def fold_held(db: Session, limit: int = 500) -> int:
    """Turn the held rows whose minute is over into one digest row per session and channel;
    how many digests were written."""
    now = utcnow()
    query = (
        select(AlertRow)
        .where(AlertRow.status == "held", AlertRow.next_attempt_at <= now)
        .order_by(AlertRow.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    groups: dict[tuple[str, str], list[AlertRow]] = defaultdict(list)
    for row in db.execute(query).scalars():
        groups[(row.session_id, row.channel)].append(row)
    made = 0
    for (session_id, channel), rows in groups.items():
        keep = []
        for row in rows:
            reason = _too_short(db, row, now)
            if reason:
                row.status, row.last_error = "skipped", reason
            else:
                keep.append(row)
        if not keep:
            continue
        digest = AlertRow(
            session_id=session_id,
            event_id=None,
            channel=channel,
            kind="digest",
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
            payload={"candidate": keep[0].payload.get("candidate", ""), "count": len(keep)},
        )
        db.add(digest)
        db.flush()
        for row in keep:
            row.status, row.digest_id = "digested", digest.id
        made += 1
    db.commit()
    return made


def _too_short(db: Session, row: AlertRow, now: datetime) -> str | None:
    """Why an alert that needs its event to last is not sent (it ended sooner), or None."""
    needed = float(row.payload.get("min_duration_s") or 0)
    if row.event_id is None or needed <= 0:
        return None
    event = db.get(EventRow, row.event_id)
    if event is None:
        return "the event was deleted"
    if event.ended_at is not None and (event.duration_s or 0) < needed:
        return f"the event lasted {event.duration_s:.1f} s, under the {needed:g} s needed"
    return None


def _lasted(db: Session, row: AlertRow, now: datetime) -> float | None:
    if row.event_id is None:
        return None
    event = db.get(EventRow, row.event_id)
    if event is None:
        return None
    end = event.ended_at or now
    return round(max(0.0, (end - event.timestamp).total_seconds()), 1)


def claim(db: Session, settings: Settings, node: str, limit: int = 10) -> list[Job]:
    """Take up to ``limit`` due rows for this node (pending, or sending with an expired lease)
    and return them ready to send. Rows another server holds are skipped, never waited for."""
    now = utcnow()
    due = or_(
        and_(AlertRow.status == "pending", AlertRow.next_attempt_at <= now),
        and_(AlertRow.status == "sending", AlertRow.lease_until < now),
    )
    ids = (
        select(AlertRow.id)
        .where(due)
        .order_by(AlertRow.next_attempt_at, AlertRow.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    token = f"{node[:80]}/{secrets.token_hex(6)}"
    lease = now + timedelta(seconds=3 * settings.alert_timeout_seconds + 30)
    db.execute(
        update(AlertRow)
        .where(AlertRow.id.in_(ids.scalar_subquery()), due)
        .values(
            status="sending", claimed_by=token, lease_until=lease, attempts=AlertRow.attempts + 1
        )
        .execution_options(synchronize_session=False)
    )
    db.commit()
    rows = db.execute(
        select(AlertRow).where(AlertRow.claimed_by == token, AlertRow.status == "sending")
    ).scalars()
    jobs = []
    for row in rows:
        job = _job(db, settings, row, token, now)
        if job is not None:
            jobs.append(job)
    db.commit()
    return jobs


def _job(db: Session, settings: Settings, row: AlertRow, token: str, now: datetime) -> Job | None:
    """The row as a job, or None when it is settled here (skipped, or its channel is gone)."""
    reason = _too_short(db, row, now)
    if reason:
        row.status, row.last_error, row.lease_until = "skipped", reason, None
        return None
    session = db.get(SessionRow, row.session_id)
    found = {c.key: c for c in session_channels(settings, session)} if session else {}
    channel = found.get(row.channel)
    if channel is None:
        row.status, row.lease_until = "failed", None
        row.last_error = "the channel is no longer configured"
        return None
    payload = dict(row.payload)
    items: list[dict[str, Any]] = []
    if row.kind == "digest":
        held = select(AlertRow).where(AlertRow.digest_id == row.id).order_by(AlertRow.id)
        items = [r.payload for r in db.execute(held).scalars()]
    elif float(payload.get("min_duration_s") or 0) > 0:
        payload["duration_s"] = _lasted(db, row, now)
    return Job(row.id, row.session_id, channel, row.kind, token, row.attempts, payload, items)


def settle(db: Session, settings: Settings, job: Job, error: str | None) -> str:
    """Record how sending ``job`` went; returns the row's new status (``lost`` when another
    server took it over meanwhile, after this one's lease ran out)."""
    row = db.get(AlertRow, job.id)
    if row is None or row.claimed_by != job.claim or row.status != "sending":
        return "lost"
    now = utcnow()
    row.lease_until = None
    if error is None:
        row.status, row.sent_at, row.last_error = "sent", now, None
    else:
        row.last_error = error[:ERROR_CHARS]
        if row.attempts >= settings.alert_max_attempts:
            row.status = "failed"
        else:
            delay = settings.alert_retry_seconds * 2 ** (row.attempts - 1)
            row.status = "pending"
            row.next_attempt_at = now + timedelta(
                seconds=min(delay, settings.alert_retry_max_seconds)
            )
    db.commit()
    return row.status


def release_own(db: Session, node: str) -> int:
    """Give back the rows this node was sending when it stopped (it restarted under the same
    name): they are due again at once instead of when their lease ends."""
    result = db.execute(
        update(AlertRow)
        .where(
            AlertRow.status == "sending",
            AlertRow.claimed_by.startswith(f"{node[:80]}/", autoescape=True),
        )
        .values(status="pending", lease_until=None, next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]


def session_alerts(db: Session, session_id: str) -> list[dict[str, Any]]:
    """Delivery state of a session's alerts, oldest first (no addresses)."""
    query = select(AlertRow).where(AlertRow.session_id == session_id).order_by(AlertRow.id)
    return [
        {
            "id": r.id,
            "event_id": r.event_id,
            "channel": r.channel.split(":", 1)[0],
            "kind": r.kind,
            "status": r.status,
            "attempts": r.attempts,
            "created_at": r.created_at,
            "sent_at": r.sent_at,
            "error": r.last_error,
        }
        for r in db.execute(query).scalars()
    ]
