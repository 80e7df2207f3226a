"""The alert sender: a background task of each server that claims due rows of the outbox, sends
them in threads of its own, and records the outcome (sent, retry later, failed).

It polls every ``alert_poll_seconds``, and at once when this server has just written alerts.
Sends take at most ``SEND_THREADS`` threads, apart from those the live path uses, so a slow
or dead receiver holds only those and never an event being stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from pathlib import Path

import anyio
import apprise
from sqlalchemy.orm import Session, sessionmaker

from proctor.alerts import deliver, outbox
from proctor.alerts.config import scheme_of
from proctor.alerts.outbox import Job
from proctor.config import Settings
from proctor.observability.metrics import Metrics
from proctor.shapes.schemas import EVENT_TYPES

log = logging.getLogger(__name__)
SEND_THREADS = 4
BATCH = 10


def config_warnings(settings: Settings) -> list[str]:
    """What in the alert settings can never work: URLs Apprise cannot read (named by place and
    scheme, never in full) and event types no event has."""
    found = []
    for n, url in enumerate(settings.alert_urls, start=1):
        if apprise.Apprise.instantiate(url) is None:
            scheme = scheme_of(url)
            what = f"a {scheme}:// URL" if scheme else "a URL"
            found.append(f"PROCTOR_ALERT_URLS item {n} is not {what} Apprise can send to")
    for key in settings.alert_events:
        if key.split(":", 1)[0] not in EVENT_TYPES:
            known = ", ".join(EVENT_TYPES)
            found.append(f"PROCTOR_ALERT_EVENTS names {key!r}, no event type (known: {known})")
    return found


class AlertWorker:
    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        node_id: str,
        metrics: Metrics,
        evidence_root: Path,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.node_id = node_id
        self.metrics = metrics
        self.evidence_root = evidence_root
        self._wake = asyncio.Event()
        self._senders = anyio.CapacityLimiter(SEND_THREADS)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start sending (when this server is a sender), first taking back what this node was
        sending when it last stopped."""
        for warning in config_warnings(self.settings):
            log.warning("alerts: %s", warning)
        if not self.settings.alert_sender:
            return

        def release() -> int:
            with self.sessions() as db:
                return outbox.release_own(db, self.node_id)

        released = await anyio.to_thread.run_sync(release)
        if released:
            log.info("%d alert(s) this node was sending before it stopped are due again", released)
        self._task = asyncio.create_task(self._run(), name="alerts")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def wake(self) -> None:
        """Alerts were just written here: look now rather than at the next poll."""
        self._wake.set()

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                busy = await self.run_once()
            except Exception:
                log.exception("the alert worker failed; it tries again")
                busy = 0
            if busy >= BATCH:
                continue  # more may be due
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.settings.alert_poll_seconds)

    async def run_once(self) -> int:
        """Fold held alerts into digests, then claim and send what is due; how many were
        claimed."""

        def claim() -> list[Job]:
            with self.sessions() as db:
                outbox.fold_held(db)
                return outbox.claim(db, self.settings, self.node_id, BATCH)

        jobs = await anyio.to_thread.run_sync(claim)
        if jobs:
            async with anyio.create_task_group() as group:
                for job in jobs:
                    group.start_soon(self._deliver, job)
        return len(jobs)

    async def _deliver(self, job: Job) -> None:
        s = self.settings
        secret = s.webhook_secret.get_secret_value() if s.webhook_secret else None
        send = functools.partial(
            deliver.send,
            job,
            secret=secret,
            evidence_root=self.evidence_root,
            timeout=s.alert_timeout_seconds,
        )
        try:
            # Abandoned on cancel: a server stopping does not wait for a hung receiver (the
            # row stays claimed until its lease ends, or this node starts again).
            error = await anyio.to_thread.run_sync(
                send, limiter=self._senders, abandon_on_cancel=True
            )
        except Exception as exc:  # a bug or an odd URL in Apprise: a failed attempt, not a crash
            error = f"sending failed: {type(exc).__name__}"
            log.exception("alert %d: sending failed", job.id)

        def settle() -> str:
            with self.sessions() as db:
                return outbox.settle(db, s, job, error)

        status = await anyio.to_thread.run_sync(settle)
        scope = job.channel.scope
        extra = {"session_id": job.session_id, "alert_id": job.id, "channel": scope}
        if status == "sent":
            self.metrics.alerts_sent.labels(scope).inc()
            log.info("alert %d sent (%s, attempt %d)", job.id, scope, job.attempts, extra=extra)
        elif status == "pending":
            self.metrics.alerts_retried.labels(scope).inc()
            log.warning("alert %d not sent, will retry: %s", job.id, error, extra=extra)
        elif status == "failed":
            self.metrics.alerts_failed.labels(scope).inc()
            log.error("alert %d failed for good: %s", job.id, error, extra=extra)
