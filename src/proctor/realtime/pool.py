"""The analysis pool: worker processes that each build one vision Pipeline and keep it.

Workers are spawned (not forked: the server has threads) and warmed up with one frame in
their initializer, so the first real frame is not slow. Jobs reach them through a
``WorkerGate``: one job per worker at a time, face analysis before object runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
import sys
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from proctor.config import Settings
from proctor.realtime.gate import Kind, WorkerGate

if TYPE_CHECKING:
    from proctor.identity.worker import EnrolResult
    from proctor.vision.attention import NeutralPose
    from proctor.vision.types import Detection, Observation

log = logging.getLogger(__name__)

_pipeline: Any = None  # one per worker process


def _init_worker(settings: Settings) -> None:
    global _pipeline
    # Ctrl+C reaches the whole process group: the server stops the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from proctor.observability.logs import configure
    from proctor.vision.pipeline import Pipeline

    configure(settings.log_format, settings.log_level, settings.node_id)  # as the server's

    with _native_stderr_filtered():
        _pipeline = Pipeline(settings)
        _pipeline.analyze_bytes(_warmup_jpeg(), run_objects=True)


@contextlib.contextmanager
def _native_stderr_filtered() -> Iterator[None]:
    """Keep the model runtimes' own start-up chatter (written straight to file descriptor 2,
    bypassing logging) out of the server's log stream, which may be one JSON object a line;
    anything else they print is passed on."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            text = captured.read().decode("utf-8", "replace")
    rest = [line for line in text.splitlines() if line and not line.startswith("INFO: ")]
    if rest:
        log.warning("model runtime: %s", " | ".join(rest))


def _warmup_jpeg() -> bytes:
    image = np.full((480, 640, 3), 127, dtype=np.uint8)
    cv2.circle(image, (320, 220), 90, (180, 190, 200), -1)
    ok, data = cv2.imencode(".jpg", image)
    assert ok
    return bytes(data.tobytes())


def _ping() -> int:
    import os

    return os.getpid()


class FrameRefused(ValueError):
    """A frame the decoder refused; crosses the process boundary intact (pickles by code)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code

    def __reduce__(self) -> tuple[type[FrameRefused], tuple[str, str]]:
        return (FrameRefused, (self.code, str(self)))


def _analyze(
    data: bytes,
    neutral: NeutralPose | None,
    run_objects: bool,
    max_bytes: int,
    full_range: bool = True,
    gaze_when_away: bool = True,
) -> Observation:
    from proctor.vision.frames import FrameError

    assert _pipeline is not None, "worker not initialised"
    try:
        result: Observation = _pipeline.analyze_bytes(
            data,
            neutral=neutral,
            run_objects=run_objects,
            require_jpeg=True,
            max_bytes=max_bytes,
            full_range=full_range,
            gaze_when_away=gaze_when_away,
        )
    except FrameError as exc:
        raise FrameRefused(exc.code, str(exc)) from None
    return result


def _objects(data: bytes, max_bytes: int) -> list[Detection]:
    from proctor.vision.frames import FrameError, decode_image

    assert _pipeline is not None, "worker not initialised"
    settings = _pipeline.settings
    try:
        image = decode_image(
            data, max_bytes=max_bytes, max_side=settings.max_image_side, require_jpeg=True
        )
    except FrameError as exc:
        raise FrameRefused(exc.code, str(exc)) from None
    detections: list[Detection] = _pipeline.objects.detect(image)
    return detections


def _identity(
    data: bytes,
    box: tuple[float, float, float, float],
    refs: tuple[bytes, bytes | None],
    max_bytes: int,
) -> tuple[str, float] | None:
    from proctor.identity.worker import live_check

    assert _pipeline is not None, "worker not initialised"
    max_side = _pipeline.settings.max_image_side
    return live_check(data, box, *refs, max_bytes=max_bytes, max_side=max_side)


def _enrol(data: bytes, max_bytes: int, spoof: bool) -> EnrolResult:
    from proctor.identity.worker import enrol
    from proctor.vision.frames import FrameError

    assert _pipeline is not None, "worker not initialised"
    max_side = _pipeline.settings.max_image_side
    try:
        return enrol(data, max_bytes=max_bytes, max_side=max_side, spoof=spoof)
    except FrameError as exc:
        raise FrameRefused(exc.code, str(exc)) from None


class AnalysisPool:
    """A process pool running ``Pipeline.analyze_bytes``; ``error`` says why it is off."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.workers = settings.analysis_workers
        self.error: str | None = None if self.workers > 0 else "live analysis is off"
        self.gate = WorkerGate(max(1, self.workers))
        self._executor: ProcessPoolExecutor | None = None
        self._restart_lock = asyncio.Lock()
        self.restarts = 0

    @property
    def ready(self) -> bool:
        return self._executor is not None and self.error is None

    async def start(self) -> None:
        """Start every worker and wait until each has loaded and run its models once."""
        if self.workers <= 0:
            return
        self.error = None
        self._executor = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(self.settings,),
        )
        loop = asyncio.get_running_loop()
        try:
            # One task per worker at once makes the pool spawn all of them now.
            await asyncio.gather(
                *(loop.run_in_executor(self._executor, _ping) for _ in range(self.workers))
            )
        except Exception as exc:
            self.error = f"live analysis is unavailable: {exc or type(exc).__name__}"
            log.error("%s (are the models installed? run `proctor models install`)", self.error)
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    def turn(self, kind: Kind) -> contextlib.AbstractAsyncContextManager[None]:
        """A worker's turn: hold it around ``analyze_in_turn`` or ``detect_objects_in_turn``."""
        return self.gate.turn(kind)

    async def analyze_in_turn(
        self,
        data: bytes,
        *,
        neutral: NeutralPose | None,
        run_objects: bool,
        full_range: bool = True,
        gaze_when_away: bool = True,
    ) -> Observation:
        """``Pipeline.analyze_bytes`` in a worker; the caller holds a turn."""
        limit = self.settings.max_frame_bytes
        args = (data, neutral, run_objects, limit, full_range, gaze_when_away)
        return await self._run(_analyze, *args)  # type: ignore[no-any-return]

    async def detect_objects_in_turn(self, data: bytes) -> list[Detection]:
        """The object detector alone, in a worker; the caller holds a turn."""
        return await self._run(_objects, data, self.settings.max_frame_bytes)  # type: ignore[no-any-return]

    async def identity_in_turn(
        self, data: bytes, box: tuple[float, float, float, float], refs: tuple[bytes, bytes | None]
    ) -> tuple[str, float] | None:
        """(model, similarity) of the face at ``box`` in a live frame to a photo's descriptors
        (``identity.worker.live_check``), in a worker; the caller holds a turn."""
        limit = self.settings.max_frame_bytes
        return await self._run(_identity, data, box, refs, limit)  # type: ignore[no-any-return]

    async def enrol_in_turn(self, data: bytes, *, spoof: bool) -> EnrolResult:
        """An enrolment or reference photo judged in a worker; the caller holds a turn."""
        return await self._run(_enrol, data, self.settings.max_image_bytes, spoof)  # type: ignore[no-any-return]

    async def _run(self, fn: Callable[..., Any], *args: Any) -> Any:
        executor = self._executor
        if executor is None:
            raise RuntimeError(self.error or "analysis pool not started")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(executor, fn, *args)
        except BrokenProcessPool:
            # A worker died (crash, out of memory): start a fresh pool, lose only this frame.
            async with self._restart_lock:
                if self._executor is executor:
                    self.restarts += 1
                    log.error("analysis worker died; restarting the pool")
                    executor.shutdown(wait=False, cancel_futures=True)
                    self._executor = None
                    await self.start()
            raise

    def worker_pids(self) -> list[int]:
        executor = self._executor
        return list(getattr(executor, "_processes", None) or {}) if executor else []

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
