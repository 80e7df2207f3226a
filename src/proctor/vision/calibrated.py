"""A video's frames judged as a live session judges them: against the neutral pose and gaze
calibrated on its first seconds (``attention.Calibrator``). ``proctor analyze``, ``proctor eval``
and the gaze plot use it, so they agree with each other and with the live path."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from proctor.vision.attention import Calibrator
from proctor.vision.pipeline import Pipeline
from proctor.vision.types import Observation
from proctor.vision.video import VideoFrame


def judged_frames(
    pipeline: Pipeline,
    frames: Iterable[VideoFrame],
    calibrator: Calibrator | None,
    objects_every: int = 1,
) -> Iterator[tuple[VideoFrame, Observation]]:
    """Each frame with its observation, judged against the neutral ``calibrator`` finds on the
    first seconds (every frame against the default neutral when it is None).

    The frames of the calibration window come out once it is finished, analysed again against
    the calibrated neutral (their objects are kept from the first pass). Objects run on every
    ``objects_every``-th frame (0: never).
    """
    window: list[tuple[VideoFrame, Observation]] = []

    def flush() -> Iterator[tuple[VideoFrame, Observation]]:
        neutral = calibrator.neutral if calibrator is not None else None
        for frame, first in window:
            obs = first
            if neutral is not None and neutral.calibrated:
                obs = pipeline.analyze_image(frame.image, neutral=neutral, run_objects=False)
                obs.objects, obs.objects_ran = first.objects, first.objects_ran
                obs.persons = first.persons
            yield frame, obs
        window.clear()

    for n, frame in enumerate(frames):
        run_objects = objects_every > 0 and n % objects_every == 0
        neutral = calibrator.neutral if calibrator is not None else None
        obs = pipeline.analyze_image(frame.image, neutral=neutral, run_objects=run_objects)
        if calibrator is not None and not calibrator.finished:
            calibrator.observe(obs, frame.t)
            window.append((frame, obs))
            if calibrator.finished:
                yield from flush()
        else:
            yield frame, obs
    yield from flush()  # a video shorter than the window: judged against the default neutral
