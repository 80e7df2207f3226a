"""Deleting session data: one session on the interviewer's request, or every session past the
retention period (``proctor purge``, and daily inside the server).

Files go before rows: if a delete is cut short, the rows still name the session and the next
run finishes it. Every step is idempotent, so several servers may run the daily purge at once;
on PostgreSQL an advisory lock lets only one of them do the work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import anyio
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from proctor.db import repo
from proctor.db.models import utcnow
from proctor.storage import Storage

log = logging.getLogger(__name__)

ADVISORY_LOCK_KEY = 0x70726F63  # "proc": one daily purge at a time across the servers
STALE_UPLOAD_SECONDS = 24 * 3600  # a temporary upload file this old was abandoned
FIRST_RUN_DELAY_S = 60.0  # after start, so a restart does not purge before it serves


@dataclass
class Purged:
    """What was (or, in a dry run, would be) deleted."""

    dry_run: bool = False
    sessions: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)  # one line per session
    events: int = 0
    chat: int = 0
    evidence_files: int = 0
    videos: int = 0
    chunk_files: int = 0
    orphan_files: int = 0
    stale_uploads: int = 0
    bytes: int = 0

    def summary(self) -> str:
        verb = "would delete" if self.dry_run else "deleted"
        return (
            f"{verb} {len(self.sessions)} session(s), {self.events} event(s), "
            f"{self.chat} chat message(s), {self.evidence_files} evidence file(s), "
            f"{self.videos} video(s), {self.chunk_files} upload chunk(s), "
            f"{self.orphan_files} orphan file(s), {self.stale_uploads} stale upload(s): "
            f"{_size(self.bytes)}"
        )


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n} bytes"


def _bytes(paths: list[Path]) -> int:
    total = 0
    for path in paths:
        with contextlib.suppress(OSError):
            total += path.stat().st_size
    return total


def delete_session(
    sessions: sessionmaker[Session],
    storage: Storage,
    session_id: str,
    *,
    dry_run: bool = False,
    into: Purged | None = None,
) -> Purged:
    """Delete (or count, in a dry run) every row and file of one session."""
    purged = into or Purged(dry_run=dry_run)
    with sessions() as db:
        counts = repo.row_counts(db, session_id)
    files = storage.session_files(session_id)
    size = sum(_bytes(paths) for paths in files.values())
    purged.sessions.append(session_id)
    purged.details.append(
        f"session {session_id}: {counts['events']} event(s), {counts['chat']} chat message(s), "
        f"{len(files['evidence'])} evidence file(s), {len(files['videos'])} video(s), "
        f"{len(files['chunks'])} upload chunk(s), {_size(size)}"
    )
    purged.events += counts["events"]
    purged.chat += counts["chat"]
    purged.evidence_files += len(files["evidence"])
    purged.videos += len(files["videos"])
    purged.chunk_files += len(files["chunks"])
    purged.bytes += size
    if not dry_run:
        storage.delete_session_files(session_id)
        with sessions() as db:
            repo.delete_session(db, session_id)
    return purged


def purge(
    sessions: sessionmaker[Session],
    storage: Storage,
    older_than_days: float,
    *,
    dry_run: bool = False,
    now: datetime | None = None,
) -> Purged:
    """Delete the sessions that ended (or, never ended, started) more than the given days ago,
    with their files; then files no session owns any more, and abandoned upload parts."""
    cutoff = (now or utcnow()) - timedelta(days=older_than_days)
    purged = Purged(dry_run=dry_run)
    with sessions() as db:
        expired = repo.expired_session_ids(db, cutoff)
    for session_id in expired:
        delete_session(sessions, storage, session_id, dry_run=dry_run, into=purged)
    with sessions() as db:
        known = repo.all_session_ids(db)
    if not dry_run:
        known |= set(expired)  # already deleted above: nothing of theirs is an orphan
    orphans = [p for paths in storage.orphans(known, cutoff.timestamp()).values() for p in paths]
    stale = storage.stale_uploads(time.time() - STALE_UPLOAD_SECONDS)
    purged.orphan_files, purged.stale_uploads = len(orphans), len(stale)
    purged.bytes += _bytes(orphans) + _bytes(stale)
    if not dry_run:
        for path in orphans + stale:
            path.unlink(missing_ok=True)
            if path.parent not in (storage.videos_dir, storage.tmp_dir):
                with contextlib.suppress(OSError):
                    path.parent.rmdir()  # only once empty
    return purged


class RetentionTask:
    """Runs the purge in the server: shortly after start, then every ``interval_s``."""

    def __init__(
        self,
        engine: Engine,
        sessions: sessionmaker[Session],
        storage: Storage,
        *,
        days: int,
        interval_s: float,
    ) -> None:
        self.engine, self.sessions, self.storage = engine, sessions, storage
        self.days, self.interval_s = days, interval_s
        self.runs = 0
        self.last: Purged | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="retention")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        await asyncio.sleep(min(FIRST_RUN_DELAY_S, self.interval_s))
        while True:
            try:
                await anyio.to_thread.run_sync(self.run_once)
            except Exception:
                log.exception("retention purge failed; trying again at the next run")
            await asyncio.sleep(self.interval_s)

    def run_once(self) -> Purged | None:
        """One purge; None when another server holds the PostgreSQL lock."""
        if self.engine.dialect.name != "postgresql":
            return self._purge()
        with self.engine.connect() as conn:
            lock = text("SELECT pg_try_advisory_lock(:key)")
            if not conn.execute(lock, {"key": ADVISORY_LOCK_KEY}).scalar():
                log.info("retention purge skipped: another server is running it")
                return None
            try:
                return self._purge()
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
                conn.commit()

    def _purge(self) -> Purged:
        purged = purge(self.sessions, self.storage, self.days)
        self.runs += 1
        self.last = purged
        if purged.sessions or purged.orphan_files or purged.stale_uploads:
            log.info("retention (%d days): %s", self.days, purged.summary())
        return purged
