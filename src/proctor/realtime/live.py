"""Live analysis: one task per session takes the latest frame, analyzes it in the pool,
feeds the rules, and records the events they start and end.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime

from proctor.config import Settings
from proctor.observability.logs import session_var
from proctor.observability.metrics import Metrics
from proctor.realtime.pool import AnalysisPool
from proctor.realtime.recorder import Recorder
from proctor.realtime.slots import FrameSlot, PendingFrame
from proctor.rules import RuleConfig, SessionRules, Transition
from proctor.vision.attention import Calibrator, NeutralPose
from proctor.vision.types import Detection, Observation

log = logging.getLogger(__name__)


@dataclass(slots=True)
class LiveStats:
    frames_received: int = 0
    frames_dropped: int = 0
    frames_analyzed: int = 0
    frame_errors: int = 0
    analysis_seconds: float = 0.0
    # Recent event starts: (type, face analysis ms of the frame, frame received → emitted ms)
    event_latency: deque[tuple[str, float, float]] = field(
        default_factory=lambda: deque(maxlen=1000)
    )


def _when(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


class SessionAnalyzer:
    """The live state of one session: frame slot, rules, calibration and open events."""

    def __init__(
        self, live: LiveAnalysis, session_id: str, candidate: str, notices: list[str]
    ) -> None:
        self.live = live
        self.session_id = session_id
        self.candidate = candidate
        self.notices = notices
        self.slot = FrameSlot()
        self.rules = SessionRules(RuleConfig.from_settings(live.settings))
        self.frames = 0
        self.last_analysis_ms = 0.0
        self.open: dict[str, int] = {}
        self.lock = asyncio.Lock()
        self.calibration = Calibration(live.settings.calibration_seconds)
        self.objects_due = False
        self.objects_task: asyncio.Task[None] | None = None
        self.task = asyncio.create_task(self._run(), name=f"analysis-{session_id}")

    async def _run(self) -> None:
        session_var.set(self.session_id)  # this task's log lines name the session
        every = self.live.settings.object_every_n_frames
        while True:
            frame = await self.slot.take()
            self.objects_due |= self.frames % every == 0
            self.frames += 1
            # Objects run beside the faces (another worker) and nothing waits for them: neither
            # this frame's face events nor the next frame's faces. A frame whose turn comes while
            # the last objects still run passes the turn on to the next frame.
            objects = None
            if self.objects_due and (self.objects_task is None or self.objects_task.done()):
                self.objects_due = False
                objects = asyncio.ensure_future(self._objects(frame))
            obs = await self._observe(frame, objects)
            if obs is None:
                continue
            if objects is not None:
                self.objects_task = asyncio.create_task(self._judge_objects(objects, obs, frame))
            calibrating = self.calibration.observe(obs, frame.received_wall)
            await self._handle(
                self.rules.observe(obs, frame.received_wall, calibrating=calibrating), frame
            )

    async def _judge_objects(
        self, objects: asyncio.Future[list[Detection]], obs: Observation, frame: PendingFrame
    ) -> None:
        try:
            found = await objects
        except Exception as exc:
            # The frame counts as analysed (its faces were): log, but count no frame error.
            log.warning("object detection failed: %r", exc, extra={"session_id": self.session_id})
            return
        obs.objects, obs.objects_ran = found, True
        obs.persons = sum(1 for d in found if d.label == "person")
        await self._handle(self.rules.observe_objects(obs, frame.received_wall), frame)

    async def _observe(
        self, frame: PendingFrame, objects: asyncio.Future[list[Detection]] | None
    ) -> Observation | None:
        stats = self.live.stats
        started = time.monotonic()
        try:
            obs = await self.live.pool.analyze(
                frame.image, neutral=self.calibration.neutral, run_objects=False
            )
        except Exception as exc:
            if objects is not None:
                objects.cancel()
                with contextlib.suppress(BaseException):
                    await objects
            self._failed(exc)
            return None
        seconds = time.monotonic() - started
        stats.frames_analyzed += 1
        stats.analysis_seconds += seconds
        self.last_analysis_ms = seconds * 1000
        self.live.metrics.analysis.labels("faces").observe(seconds)
        return obs

    async def _objects(self, frame: PendingFrame) -> list[Detection]:
        started = time.monotonic()
        found = await self.live.pool.detect_objects(frame.image)
        self.live.metrics.analysis.labels("objects").observe(time.monotonic() - started)
        return found

    def _failed(self, exc: Exception) -> None:
        self.live.stats.frame_errors += 1
        if isinstance(exc, ValueError):  # the decoder refused the frame
            log.info("session %s: frame refused: %s", self.session_id, exc)
        else:
            log.error("session %s: analysis failed: %r", self.session_id, exc)

    async def _handle(self, transitions: list[Transition], frame: PendingFrame) -> None:
        if not transitions:
            return
        try:
            # Shielded: ending the session waits for these to be stored, never cuts them.
            await asyncio.shield(self._apply(transitions, frame))
        except asyncio.CancelledError:
            raise
        except Exception:
            # The database may be briefly unreachable: keep analysing the next frames.
            log.exception("session %s: storing events failed", self.session_id)

    async def _apply(self, transitions: list[Transition], frame: PendingFrame | None) -> None:
        recorder = self.live.recorder
        async with self.lock:
            for tr in transitions:
                if tr.kind == "start" and tr.key not in self.open:
                    event, _ = await recorder.record(
                        self.session_id,
                        role="candidate",
                        name=self.candidate,
                        type=tr.type,
                        detail=tr.detail,
                        source="vision",
                        timestamp=_when(tr.at),
                        confidence=tr.confidence,
                        evidence_jpeg=frame.image if frame else None,
                        received_mono=frame.received_mono if frame else None,
                        frame_ts=frame.client_ts if frame else None,
                    )
                    self.open[tr.key] = event["id"]
                    if "latency_ms" in event:
                        analysis_ms = round(self.last_analysis_ms, 1)
                        latency = (tr.type, analysis_ms, event["latency_ms"])
                        self.live.stats.event_latency.append(latency)
                    await recorder.notify_candidate(self.session_id, self.notices, tr.type)
                elif tr.kind == "end" and tr.key in self.open:
                    await recorder.close(self.open.pop(tr.key), _when(tr.at))

    async def stop(self) -> None:
        """Stop analysing and end every open event."""
        for task in (self.task, self.objects_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self._apply(self.rules.finish(time.time()), None)


class Calibration:
    """The candidate's neutral head pose, from the first seconds of one-face frames.

    While it runs, looking away is not judged. If no usable face shows up for a long while,
    it gives up and the default neutral pose applies.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.give_up_after = 3 * seconds + 10
        self.neutral: NeutralPose | None = None
        self._calibrator: Calibrator | None = None
        self._began: float | None = None
        self.restart()

    def restart(self) -> None:
        self.neutral, self._began = None, None
        self._calibrator = Calibrator(self.seconds) if self.seconds > 0 else None

    def observe(self, obs: Observation, t: float) -> bool:
        """Feed one observation; True while calibration is still going on."""
        cal = self._calibrator
        if cal is None:
            return False
        if self._began is None:
            self._began = t
        face = obs.primary_face
        if obs.face_count == 1 and face is not None and face.head_pose is not None:
            cal.add(face.head_pose, face.gaze, t)
        if cal.ready:
            self.neutral, self._calibrator = cal.neutral, None
            return False
        if t - self._began > self.give_up_after:
            self._calibrator = None
            return False
        return True


class LiveAnalysis:
    """Every session's analyzer, created at its first frame."""

    def __init__(
        self,
        settings: Settings,
        pool: AnalysisPool,
        recorder: Recorder,
        metrics: Metrics | None = None,
    ) -> None:
        self.settings = settings
        self.pool = pool
        self.recorder = recorder
        self.metrics = metrics or Metrics()
        self.stats = LiveStats()
        self.sessions: dict[str, SessionAnalyzer] = {}

    def submit(
        self,
        session_id: str,
        frame: PendingFrame,
        *,
        candidate: str,
        notices: list[str],
    ) -> bool:
        """Put a frame in the session's slot; False when live analysis is off."""
        if not self.pool.ready:
            return False
        analyzer = self.sessions.get(session_id)
        if analyzer is None:
            analyzer = SessionAnalyzer(self, session_id, candidate, notices)
            self.sessions[session_id] = analyzer
        dropped = analyzer.slot.dropped
        analyzer.slot.put(frame)
        self.stats.frames_received += 1
        self.stats.frames_dropped += analyzer.slot.dropped - dropped
        return True

    def calibrate(self, session_id: str) -> None:
        analyzer = self.sessions.get(session_id)
        if analyzer is not None:
            analyzer.calibration.restart()
            log.info("calibration restarted", extra={"session_id": session_id})

    async def end_session(self, session_id: str) -> None:
        analyzer = self.sessions.pop(session_id, None)
        if analyzer is not None:
            await analyzer.stop()

    async def shutdown(self) -> None:
        for session_id in list(self.sessions):
            await self.end_session(session_id)
