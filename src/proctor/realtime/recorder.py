"""Storing events and pushing them out: evidence file, then DB row, then ``event`` + ``score``.

Database and file work runs in worker threads so the event loop keeps serving.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import anyio
from sqlalchemy.orm import Session, sessionmaker

from proctor.alerts import outbox
from proctor.config import Settings
from proctor.db import repo
from proctor.db.models import EventRow
from proctor.observability.metrics import Metrics
from proctor.realtime.hub import Hub
from proctor.shapes.views import event_json, score_json
from proctor.storage import Storage, make_thumbnail

log = logging.getLogger(__name__)

NOTICE_MESSAGES: dict[str, str] = {
    "no_face_detected": "Your face is not visible to the camera. Please check your camera.",
    "multiple_faces_detected": "More than one face is visible to the camera.",
    "looking_away": "Please look at your screen.",
    "object_detected": "An object that is not allowed was seen by the camera.",
}


class Recorder:
    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        storage: Storage,
        hub: Hub,
        metrics: Metrics | None = None,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.storage = storage
        self.hub = hub
        self.metrics = metrics or Metrics()
        # Called (on the event loop) after an event was stored with alerts to send
        self.alerts_written: Callable[[], None] | None = None

    async def record(
        self,
        session_id: str,
        *,
        role: str,
        name: str,
        type: str,
        detail: str,
        source: str,
        timestamp: datetime | None = None,
        confidence: float | None = None,
        evidence_jpeg: bytes | None = None,
        evidence_clip: bytes | None = None,
        client_id: str | None = None,
        received_mono: float | None = None,
        frame_ts: float | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """Store an event and, when it is new, emit it and the score to the interviewers.

        Returns once the event is stored (callers acknowledge then), even if emitting fails.
        """

        alerts = 0

        def queue_alerts(db: Session, row: EventRow) -> None:
            nonlocal alerts
            alerts = outbox.enqueue(db, row, self.settings)

        def store() -> tuple[dict[str, Any], bool]:
            evidence = None
            if evidence_jpeg is not None:
                thumb = make_thumbnail(evidence_jpeg)
                if thumb is not None:
                    evidence = self.storage.save_evidence(session_id, thumb)
            elif evidence_clip is not None:  # an audio event's clip, stored as it is (WebM)
                evidence = self.storage.save_evidence(session_id, evidence_clip, ".webm")
            with self.sessions() as db:
                row, created = repo.add_event(
                    db,
                    session_id,
                    role=role,
                    name=name,
                    type=type,
                    detail=detail,
                    source=source,
                    timestamp=timestamp,
                    confidence=confidence,
                    evidence_path=evidence,
                    client_id=client_id,
                    then=queue_alerts,
                )
                return event_json(row), created

        event, created = await anyio.to_thread.run_sync(store)
        if alerts and self.alerts_written is not None:
            self.alerts_written()
        if not created:
            # A resend after a lost ack: the first emit may have died with its node.
            # Interviewers keep one event per id, so announcing it again is harmless.
            await self._announce(event, session_id, score=False)
            return event, created
        self.metrics.events.labels(type, source).inc()
        log.info(
            "event %s stored: %s %s",
            event["id"],
            type,
            detail,
            extra={"session_id": session_id, "event_id": event["id"], "source": source},
        )
        live = dict(event)
        if received_mono is not None:
            latency = time.monotonic() - received_mono
            live["latency_ms"] = round(latency * 1000, 1)
            self.metrics.event_latency.observe(latency)
        if frame_ts is not None:
            live["frame_ts"] = frame_ts
        await self._announce(live, session_id, score=True)
        return live, created

    async def _announce(self, event: dict[str, Any], session_id: str, *, score: bool) -> None:
        try:
            await self.hub.emit_event(event)
            if score:
                await self.emit_score(session_id)
        except Exception:
            # Stored is what counts: the interviewer's list catches up from GET .../events.
            log.exception("emitting event %s failed", event["id"], extra={"session_id": session_id})

    async def emit_score(self, session_id: str) -> None:
        def score() -> dict[str, Any]:
            with self.sessions() as db:
                return self._score(db, session_id)

        await self.hub.emit_score(session_id, await anyio.to_thread.run_sync(score))

    async def close(self, event_id: int, ended_at: datetime) -> dict[str, Any] | None:
        """End an open event and send ``event_update``."""

        def store() -> dict[str, Any] | None:
            with self.sessions() as db:
                row = repo.end_event(db, event_id, ended_at)
                return event_json(row) if row is not None else None

        event = await anyio.to_thread.run_sync(store)
        if event is not None:
            await self.hub.emit_event_update(event)
        return event

    async def close_all_open(self, session_id: str, when: datetime) -> None:
        """End vision events left open (none normally: the rules end theirs first)."""

        def store() -> list[dict[str, Any]]:
            with self.sessions() as db:
                return [event_json(r) for r in repo.end_open_vision_events(db, session_id, when)]

        for event in await anyio.to_thread.run_sync(store):
            await self.hub.emit_event_update(event)

    async def notify_candidate(self, session_id: str, notices: list[str], type_: str) -> None:
        if type_ in notices:
            message = NOTICE_MESSAGES.get(type_, "Please check your camera.")
            await self.hub.emit_notice(session_id, type_, message)

    def _score(self, db: Session, session_id: str) -> dict[str, Any]:
        row = repo.get_session(db, session_id)
        if row is None:
            return {"score": 100.0, "breakdown": []}
        return score_json(self.settings, row, repo.event_types(db, session_id))
