"""Live identity checks of one session, fed by the frames the vision pipeline analyses.

Every ``identity_every_s`` seconds, a frame with exactly one face has that face (the box the
pipeline found: no second detector) described in the analysis pool, at the object runs'
priority, so a check never delays the next frame's face analysis. The descriptor is compared
with the enrolment photo's, or the interviewer's reference photo's when the candidate has not
enrolled. Each result is stored and pushed to the interviewers (``identity``: status and
score, never a descriptor); a sustained mismatch (``CheckWindow``) records ``identity_mismatch``
with both faces side by side as its evidence.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import anyio

from proctor.db import identity as store
from proctor.identity.evidence import side_by_side
from proctor.identity.verify import DEFAULT_MODEL, THRESHOLDS
from proctor.identity.window import CheckWindow
from proctor.realtime.gate import Kind
from proctor.shapes.views import iso

if TYPE_CHECKING:
    from proctor.realtime.live import LiveAnalysis
    from proctor.realtime.slots import PendingFrame
    from proctor.vision.types import Observation

log = logging.getLogger(__name__)

THRESHOLD = THRESHOLDS[DEFAULT_MODEL]
BASELINES = ("enrolment", "reference")  # compared with, in this order of preference
LABELS = {"enrolment": "Enrolment", "reference": "Reference photo"}


class Baseline:
    """The photo a live face is compared with (read from the database at each check, so a
    retaken enrolment counts at once)."""

    def __init__(
        self,
        kind: str,
        refs: tuple[bytes, bytes | None],
        path: str,
        box: list[float],
        spoof: dict[str, float],
    ) -> None:
        self.kind, self.refs, self.path, self.box, self.spoof = kind, refs, path, box, spoof


def status_message(
    session_id: str,
    status: str,
    model: str,
    score: float | None,
    at: datetime | None,
    against: str,
    checks: int,
    mismatches: int,
    spoof: dict[str, float],
) -> dict[str, Any]:
    """The ``identity`` message to the interviewers: status, last similarity, and the
    presentation-attack scores of the photo compared with (advice only). No descriptor."""
    return {
        "session_id": session_id,
        "status": status,
        "score": score,
        "model": model,  # whose similarity ``score`` is: faceres (the screen) or dlib
        "threshold": THRESHOLDS[model],
        "against": against,
        "at": iso(at),
        "checks": checks,
        "mismatches": mismatches,
        "spoof": spoof,
    }


class IdentityMonitor:
    def __init__(self, live: LiveAnalysis, session_id: str, candidate: str) -> None:
        s = live.settings
        self.live, self.session_id, self.candidate = live, session_id, candidate
        self.window = CheckWindow(s.identity_every_s, s.identity_window, s.identity_mismatches)
        self.task: asyncio.Task[None] | None = None
        self.open_event: int | None = None

    def observe(self, frame: PendingFrame, obs: Observation) -> None:
        """Start a check on this frame when one is due and it shows exactly one face."""
        now = time.monotonic()
        if not self.window.due(now) or obs.face_count != 1:
            return
        if self.task is not None and not self.task.done():
            return
        self.window.started(now)
        box = obs.faces[0].box
        self.task = asyncio.create_task(self._check(frame, box), name="identity-check")

    async def _check(self, frame: PendingFrame, box: tuple[float, float, float, float]) -> None:
        try:
            await self._run(frame, box)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("session %s: identity check failed", self.session_id)

    async def _baseline(self) -> Baseline | None:
        def load() -> Baseline | None:
            with self.live.recorder.sessions() as db:
                photos = store.photos(db, self.session_id)
            for kind in BASELINES:
                row = photos.get(kind)
                if row is not None:
                    spoof = dict(row.spoof or {})
                    refs = (row.embedding, row.screen_embedding)
                    return Baseline(kind, refs, row.path, list(row.box), spoof)
            return None

        return await anyio.to_thread.run_sync(load)

    async def _run(self, frame: PendingFrame, box: tuple[float, float, float, float]) -> None:
        baseline = await self._baseline()
        if baseline is None:
            return  # nobody enrolled yet: nothing to compare with
        pool = self.live.pool
        async with pool.turn(Kind.OBJECTS):
            found = await pool.identity_in_turn(frame.image, box, baseline.refs)
        self.live.stats.identity_checks += 1
        if found is None:
            return  # the face is too small to recognise: no verdict either way
        model, similarity = found
        score, threshold = round(similarity, 4), THRESHOLDS[model]
        same = score >= threshold
        at = datetime.fromtimestamp(frame.received_wall, UTC)

        def save() -> None:
            with self.live.recorder.sessions() as db:
                store.add_check(
                    db,
                    self.session_id,
                    at=at,
                    against=baseline.kind,
                    model=model,
                    score=score,
                    same_person=same,
                )

        await anyio.to_thread.run_sync(save)
        change = self.window.add(same)
        status = self.status(model, score, at, baseline.kind, baseline.spoof)
        await self.live.recorder.hub.emit_identity(self.session_id, status)
        if change == "start":
            await self._raise(frame, box, baseline, score)
        elif change == "end" and self.open_event is not None:
            event, self.open_event = self.open_event, None
            await self.live.recorder.close(event, at)

    def status(
        self,
        model: str,
        score: float | None,
        at: datetime | None,
        against: str,
        spoof: dict[str, float],
    ) -> dict[str, Any]:
        w = self.window
        return status_message(
            self.session_id, w.status, model, score, at, against, w.checks, w.mismatches, spoof
        )

    async def _raise(
        self,
        frame: PendingFrame,
        box: tuple[float, float, float, float],
        baseline: Baseline,
        score: float,
    ) -> None:
        recorder = self.live.recorder

        def evidence() -> bytes | None:
            photo = recorder.storage.read(baseline.path)
            if photo is None:
                return None
            label = LABELS[baseline.kind]
            return side_by_side(
                photo, baseline.box, frame.image, box, enrolled_label=label, score=score
            )

        image = await anyio.to_thread.run_sync(evidence)
        w = self.window
        event, _ = await recorder.record(
            self.session_id,
            role="candidate",
            name=self.candidate,
            type="identity_mismatch",
            detail=f"{w.needed} of the last {w.size} checks: not the person of the {baseline.kind}",
            source="vision",
            timestamp=datetime.fromtimestamp(frame.received_wall, UTC),
            confidence=round(max(0.0, min(1.0, 1.0 - score)), 3),
            evidence_jpeg=image,
        )
        self.open_event = event["id"]

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
