"""Everything one app instance holds: settings, database, storage, Socket.IO hub, analysis,
the cluster link and the metrics."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import anyio
import socketio
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from proctor.alerts.worker import AlertWorker
from proctor.audio.service import AudioService
from proctor.config import Settings
from proctor.db import repo
from proctor.db.engine import make_engine, make_sessionmaker
from proctor.db.migrate import upgrade
from proctor.db.models import utcnow
from proctor.observability.logs import default_node_id
from proctor.observability.metrics import Metrics
from proctor.realtime.cluster import Cluster
from proctor.realtime.hub import Hub
from proctor.realtime.live import CALIBRATION_NOTICE, LiveAnalysis
from proctor.realtime.pool import AnalysisPool
from proctor.realtime.ratelimit import KeyedLimiter
from proctor.realtime.recorder import Recorder
from proctor.realtime.redis_manager import ResilientRedisManager
from proctor.shapes.views import iso, session_json
from proctor.storage import Storage

log = logging.getLogger(__name__)


@dataclass
class AppContext:
    settings: Settings
    sio: socketio.AsyncServer
    node_id: str = field(init=False)
    cluster: Cluster = field(init=False)
    metrics: Metrics = field(init=False)
    engine: Engine = field(init=False)
    sessions: sessionmaker[Session] = field(init=False)
    storage: Storage = field(init=False)
    hub: Hub = field(init=False)
    recorder: Recorder = field(init=False)
    pool: AnalysisPool = field(init=False)
    live: LiveAnalysis = field(init=False)
    audio: AudioService = field(init=False)
    alerts: AlertWorker = field(init=False)
    # REST event logging, per session and role, at the rate a socket connection may send events
    log_limiter: KeyedLimiter = field(init=False)
    # Held while a recording chunk or upload is checked against the session's byte limit and
    # stored, so those arriving together cannot each fit the same room and pass it together
    recording_bytes: threading.Lock = field(default_factory=threading.Lock)
    ended: set[str] = field(default_factory=set)
    _status_checked: dict[str, float] = field(default_factory=dict)
    _background: list[asyncio.Task[None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.node_id = self.settings.node_id or default_node_id()
        self.cluster = Cluster(self.settings, self.node_id)
        if isinstance(self.sio.manager, ResilientRedisManager):
            self.sio.manager.health = self.cluster.health  # one view of Redis for the node
        self.metrics = Metrics()
        self.engine = make_engine(self.settings.resolved_database_url)
        self.sessions = make_sessionmaker(self.engine)
        self.storage = Storage(self.settings.data_dir)
        self.hub = Hub(self.sio, self.settings, self.cluster)
        self.recorder = Recorder(self.settings, self.sessions, self.storage, self.hub, self.metrics)
        self.pool = AnalysisPool(self.settings)
        self.live = LiveAnalysis(self.settings, self.pool, self.recorder, self.metrics)
        self.audio = AudioService(self.settings, self.recorder)
        self.alerts = AlertWorker(
            self.settings, self.sessions, self.node_id, self.metrics, self.storage.root
        )
        self.recorder.alerts_written = self.alerts.wake
        s = self.settings
        self.log_limiter = KeyedLimiter(s.message_rate_per_s, s.message_burst)
        self.cluster.on_control = self._on_control
        self.cluster.on_presence_lost = self.hub.emit_presence
        self.cluster.local_entries = self.hub.local_entries
        self.metrics.bind(self)

    async def start(self) -> None:
        """Prepare the data dir, upgrade the database, join the cluster, start and warm up the
        analysis pool."""
        await anyio.to_thread.run_sync(self.storage.prepare)
        await anyio.to_thread.run_sync(upgrade, self.engine)
        await self.cluster.start()
        self._background.append(asyncio.create_task(self.metrics.watch_event_loop()))
        await self.alerts.start()
        await self.pool.start()
        await self.audio.start()
        log.info(
            "node %s ready: %d analysis workers, redis %s",
            self.node_id,
            self.pool.workers if self.pool.ready else 0,
            self.cluster.health.state,
        )

    async def stop(self) -> None:
        await self.live.shutdown()
        await self.audio.shutdown()
        await self.alerts.stop()
        for task in self._background:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.cluster.stop()
        await anyio.to_thread.run_sync(self.pool.shutdown)
        self.engine.dispose()

    async def _on_control(self, op: str, session_id: str) -> None:
        """A message from another node about a session whose candidate may be here."""
        if op == "calibrate":
            self.live.calibrate(session_id)
        elif op == "end":
            self.ended.add(session_id)
            await self.end_analysis(session_id)
            await self.hub.disconnect_session(session_id)

    async def end_analysis(self, session_id: str) -> None:
        """Stop the session's live analysis, camera and microphone, closing its open events."""
        await self.live.end_session(session_id)
        await self.audio.end_session(session_id)

    async def calibrate(self, session_id: str) -> None:
        """Re-take the neutral pose, on whichever node analyses the session, and ask the
        candidate to look at the screen meanwhile."""
        self.live.calibrate(session_id)
        await self.cluster.publish("calibrate", session_id)
        await self.hub.emit_notice(session_id, "calibrating", CALIBRATION_NOTICE)

    def db_ok(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:
            log.exception("database check failed")
            return False

    def session_resource(
        self, db: Session, session_id: str, participants: list[dict[str, str]] | None = None
    ) -> dict[str, Any] | None:
        """The session as JSON; ``participants`` from ``hub.participants`` (default: this
        node's)."""
        row = repo.get_session(db, session_id)
        if row is None:
            return None
        if participants is None:
            participants = self.hub.local_participants(session_id)
        people = [{"role": p["role"], "name": p["name"]} for p in participants]
        return session_json(self.settings, row, repo.event_types(db, session_id), people)

    async def refresh_status(self, session_id: str) -> None:
        """Learn, at most every few seconds, whether another server ended the session."""
        now = time.monotonic()
        if session_id in self.ended or now - self._status_checked.get(session_id, -1e9) < 5:
            return
        self._status_checked[session_id] = now

        def status() -> str | None:
            with self.sessions() as db:
                row = repo.get_session(db, session_id)
                return row.status if row is not None else None

        if await anyio.to_thread.run_sync(status) == "ended":
            self.ended.add(session_id)
            await self.end_analysis(session_id)

    async def end_session(self, session_id: str) -> dict[str, Any] | None:
        """End the session (idempotent): close its events, tell the room, return the resource."""

        def mark() -> tuple[bool, str | None]:
            with self.sessions() as db:
                row = repo.get_session(db, session_id)
                if row is None:
                    return False, None
                changed = repo.end_session(db, row)
                return changed, iso(row.ended_at)

        changed, ended_at = await anyio.to_thread.run_sync(mark)
        if ended_at is None:
            return None
        self.ended.add(session_id)
        if changed:
            await self.end_analysis(session_id)
            await self.cluster.publish("end", session_id)  # the candidate's node stops at once
            await self.recorder.close_all_open(session_id, utcnow())
            await self.hub.disconnect_session(session_id)
            await self.hub.emit_session_ended(session_id, ended_at)
        participants = await self.hub.participants(session_id, with_sid=False)

        def resource() -> dict[str, Any] | None:
            with self.sessions() as db:
                return self.session_resource(db, session_id, participants)

        return await anyio.to_thread.run_sync(resource)
