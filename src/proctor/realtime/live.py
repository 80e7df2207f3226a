"""Live analysis: one task per session takes the latest frame, analyzes it in the pool,
feeds the rules, and records the events they start and end.

Face analysis runs on every frame a worker can take; objects are opportunistic: a session asks
for a run on every ``object_every_n_frames``-th frame, and the run waits until a worker has no
face analysis to do (``WorkerGate``). Under load the object rate falls, never the face rate.
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
from proctor.identity.monitor import IdentityMonitor
from proctor.observability.logs import session_var
from proctor.observability.metrics import Metrics
from proctor.realtime.gate import Kind
from proctor.realtime.pool import AnalysisPool
from proctor.realtime.recorder import Recorder
from proctor.realtime.slots import FrameSlot, PendingFrame
from proctor.rules import RuleConfig, SessionRules, Transition
from proctor.vision.attention import Calibrator, NeutralPose
from proctor.vision.types import Observation

log = logging.getLogger(__name__)

# The notice the candidate's page gets (type ``calibrating``) when calibration starts again
CALIBRATION_NOTICE = "Calibrating: please look at the screen for the next few seconds."


@dataclass(slots=True)
class LiveStats:
    frames_received: int = 0
    frames_dropped: int = 0
    frames_analyzed: int = 0
    frame_errors: int = 0
    analysis_seconds: float = 0.0
    object_runs: int = 0
    # Object runs given up: still waiting for a free worker when a newer frame's turn came
    objects_skipped: int = 0
    identity_checks: int = 0
    # Recent event starts: (type, face analysis ms of the frame, frame received → emitted ms)
    event_latency: deque[tuple[str, float, float]] = field(
        default_factory=lambda: deque(maxlen=1000)
    )


def _when(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


@dataclass(slots=True)
class _ObjectRun:
    """An object run waiting for a worker: its frame, and that frame's face observation."""

    frame: PendingFrame
    faces: asyncio.Future[Observation | None]
    asked: float  # time.monotonic() when the frame got the turn


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
        self.calibration = Calibration(live.settings)
        self.last_faces = 0
        self.objects_due = False
        self.objects_next: _ObjectRun | None = None
        self.objects_task: asyncio.Task[None] | None = None
        self.identity = IdentityMonitor(live, session_id, candidate)
        self.task = asyncio.create_task(self._run(), name=f"analysis-{session_id}")

    async def _run(self) -> None:
        session_var.set(self.session_id)  # this task's log lines name the session
        while True:
            await self.slot.wait()
            asked = time.monotonic()
            async with self.live.pool.turn(Kind.FACES):
                # Taken only now that a worker is free: frames that came in while waiting
                # replaced it in the slot (latest frame wins), so the newest one is analysed.
                frame = self.slot.take_nowait()
                n, self.frames = self.frames, self.frames + 1
                faces = self._ask_objects(frame, n)
                obs = None
                try:
                    obs = await self._observe(frame, n, asked)
                finally:
                    if faces is not None and not faces.done():
                        faces.set_result(obs)
            if obs is None:
                continue
            self.identity.observe(frame, obs)
            calibrating = self.calibration.observe(obs, frame.received_wall)
            await self._handle(
                self.rules.observe(obs, frame.received_wall, calibrating=calibrating), frame
            )

    def _ask_objects(
        self, frame: PendingFrame, n: int
    ) -> asyncio.Future[Observation | None] | None:
        """Give frame ``n`` the session's object turn when one is due; returns the future its
        face observation goes to (the object run judges with it), or None.

        Nothing waits for objects: neither this frame's face events nor the next frame's faces.
        A run still waiting for a worker takes the newer frame instead (the older one is
        skipped); a frame due while the last run works passes the turn on to the next frame.
        """
        self.objects_due |= n % self.live.settings.object_every_n_frames == 0
        running = self.objects_task is not None and not self.objects_task.done()
        if not self.objects_due or (running and self.objects_next is None):
            return None
        if self.objects_next is not None:
            self.live.stats.objects_skipped += 1
        faces: asyncio.Future[Observation | None] = asyncio.get_running_loop().create_future()
        self.objects_next = _ObjectRun(frame, faces, time.monotonic())
        self.objects_due = False
        if not running:
            self.objects_task = asyncio.create_task(self._objects(), name=f"objects-{n}")
        return faces

    async def _objects(self) -> None:
        live = self.live
        async with live.pool.turn(Kind.OBJECTS):
            run, self.objects_next = self.objects_next, None
            assert run is not None  # the newest frame that asked (older ones were skipped)
            live.metrics.analysis_wait.labels("objects").observe(time.monotonic() - run.asked)
            try:
                found = await live.pool.detect_objects_in_turn(run.frame.image)
            except Exception as exc:
                # The frame counts as analysed (its faces were): log, but count no frame error.
                log.warning("object detection failed: %r", exc)
                return
        live.stats.object_runs += 1
        live.metrics.analysis.labels("objects").observe(time.monotonic() - run.asked)
        obs = await run.faces
        if obs is None:  # its face analysis failed: the frame is not judged
            return
        obs.objects, obs.objects_ran = found, True
        obs.persons = sum(1 for d in found if d.label == "person")
        await self._handle(self.rules.observe_objects(obs, run.frame.received_wall), run.frame)

    def _full_range(self, n: int) -> bool:
        """Whether frame ``n`` runs the full-range face model whatever the short-range one sees:
        every k-th frame, and every frame while several faces are in view, so a background face
        the short-range model misses is seen on consecutive frames (the rules need two)."""
        every = self.live.settings.full_range_every
        return every <= 1 or n % every == 0 or self.last_faces >= 2

    async def _observe(self, frame: PendingFrame, n: int, asked: float) -> Observation | None:
        stats, metrics = self.live.stats, self.live.metrics
        metrics.analysis_wait.labels("faces").observe(time.monotonic() - asked)
        try:
            obs = await self.live.pool.analyze_in_turn(
                frame.image,
                neutral=self.calibration.neutral,
                run_objects=False,
                full_range=self._full_range(n),
                # Calibration needs the gaze of every frame; after it, only looking away counts.
                gaze_when_away=self.calibration.active,
            )
        except Exception as exc:
            self._failed(exc)
            return None
        seconds = time.monotonic() - asked
        stats.frames_analyzed += 1
        stats.analysis_seconds += seconds
        self.last_analysis_ms = seconds * 1000
        self.last_faces = obs.face_count
        metrics.analysis.labels("faces").observe(seconds)
        return obs

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
        await self.identity.stop()
        await self._apply(self.rules.finish(time.time()), None)


class Calibration:
    """The candidate's neutral head pose and gaze, from the first seconds of good frames (one
    face, head not turned: ``Calibrator``, as ``proctor analyze`` does on a video).

    While it runs, looking away is not judged. If no usable face shows up for a long while,
    it gives up and the default neutral pose applies.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.neutral: NeutralPose | None = None
        self._calibrator: Calibrator | None = None
        self.restart()

    def restart(self) -> None:
        self.neutral = None
        enabled = self.settings.calibration_seconds > 0
        self._calibrator = Calibrator.from_settings(self.settings) if enabled else None

    @property
    def active(self) -> bool:
        """Whether calibration still takes samples."""
        return self._calibrator is not None

    def observe(self, obs: Observation, t: float) -> bool:
        """Feed one observation; True while calibration is still going on."""
        cal = self._calibrator
        if cal is None:
            return False
        cal.observe(obs, t)
        if not cal.finished:
            return True
        self.neutral = cal.neutral if cal.ready else None
        self._calibrator = None
        return False


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
