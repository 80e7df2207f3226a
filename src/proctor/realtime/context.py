"""Everything one app instance holds: settings, database, storage, Socket.IO hub, analysis."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import anyio
import socketio
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from proctor.api.views import iso, session_json
from proctor.config import Settings
from proctor.db import repo
from proctor.db.engine import make_engine, make_sessionmaker
from proctor.db.migrate import upgrade
from proctor.db.models import utcnow
from proctor.realtime.hub import Hub
from proctor.realtime.live import LiveAnalysis
from proctor.realtime.pool import AnalysisPool
from proctor.realtime.recorder import Recorder
from proctor.storage import Storage

log = logging.getLogger(__name__)


@dataclass
class AppContext:
    settings: Settings
    sio: socketio.AsyncServer
    engine: Engine = field(init=False)
    sessions: sessionmaker[Session] = field(init=False)
    storage: Storage = field(init=False)
    hub: Hub = field(init=False)
    recorder: Recorder = field(init=False)
    pool: AnalysisPool = field(init=False)
    live: LiveAnalysis = field(init=False)
    ended: set[str] = field(default_factory=set)
    _status_checked: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.engine = make_engine(self.settings.resolved_database_url)
        self.sessions = make_sessionmaker(self.engine)
        self.storage = Storage(self.settings.data_dir)
        self.hub = Hub(self.sio, self.settings)
        self.recorder = Recorder(self.settings, self.sessions, self.storage, self.hub)
        self.pool = AnalysisPool(self.settings)
        self.live = LiveAnalysis(self.settings, self.pool, self.recorder)

    async def start(self) -> None:
        """Prepare the data dir, upgrade the database, start and warm up the analysis pool."""
        await anyio.to_thread.run_sync(self.storage.prepare)
        await anyio.to_thread.run_sync(upgrade, self.engine)
        await self.pool.start()

    async def stop(self) -> None:
        await self.live.shutdown()
        await anyio.to_thread.run_sync(self.pool.shutdown)
        self.engine.dispose()

    def db_ok(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:
            log.exception("database check failed")
            return False

    def session_resource(self, db: Session, session_id: str) -> dict[str, Any] | None:
        row = repo.get_session(db, session_id)
        if row is None:
            return None
        participants = self.hub.participants(session_id, with_sid=False)
        return session_json(self.settings, row, repo.event_types(db, session_id), participants)

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
            await self.live.end_session(session_id)

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
            await self.live.end_session(session_id)
            await self.recorder.close_all_open(session_id, utcnow())
            await self.hub.disconnect_session(session_id)
            await self.hub.emit_session_ended(session_id, ended_at)

        def resource() -> dict[str, Any] | None:
            with self.sessions() as db:
                return self.session_resource(db, session_id)

        return await anyio.to_thread.run_sync(resource)
