"""Eyes-only glances in the evaluation set's two real selfie clips, through the same calibrated
judgement ``proctor analyze`` uses on a video (``judged_frames``), at 4 frames a second.

The glance clip turns the eyes to the image's right from about 5.9 s to 10.1 s, the head still;
mirroring its frames makes the same glance to the other side, which the models read a little
differently (they are not mirror-symmetric).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import pytest

from proctor.config import Settings
from proctor.realtime.live import Calibration
from proctor.vision.attention import Calibrator
from proctor.vision.calibrated import judged_frames
from proctor.vision.detectors.base import create
from proctor.vision.pipeline import Pipeline
from proctor.vision.types import Observation
from proctor.vision.video import VideoFrame, sample_frames
from tests.conftest import with_models

SETTINGS = Settings(object_model="none")
GLANCE = "videos/webcam_gaze_center_right_center.mp4"
FOCUS = "videos/webcam_gaze_center_focus.mp4"


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return with_models(lambda: Pipeline(SETTINGS, object_detector=create(SETTINGS)))


def frames(path: Path, *, mirror: bool = False) -> Iterator[VideoFrame]:
    for f in sample_frames(path, 4.0):
        yield VideoFrame(f.index, f.t, cv2.flip(f.image, 1)) if mirror else f


def judged(pipeline: Pipeline, path: Path, *, mirror: bool = False) -> list[Observation]:
    cal = Calibrator.from_settings(SETTINGS)
    return [obs for _, obs in judged_frames(pipeline, frames(path, mirror=mirror), cal, 0)]


def shares(observations: list[Observation]) -> tuple[float, float]:
    """Looking-away shares of the glance frames (5-10 s at 4 a second) and the others."""
    away = [o.looking_away is True for o in observations]
    glance = away[20:40]
    centre = away[:20] + away[40:]
    return sum(glance) / len(glance), sum(centre) / len(centre)


@pytest.mark.parametrize("mirror", [False, True])
def test_glance_to_either_side(pipeline: Pipeline, evalset: Path, mirror: bool) -> None:
    observations = judged(pipeline, evalset / GLANCE, mirror=mirror)
    glance, centre = shares(observations)
    assert glance >= 0.8 and centre <= 0.1, (glance, centre)
    flagged = [o for o in observations[20:40] if o.looking_away]
    assert {o.away_reason for o in flagged} == {"eyes_away"}
    sign = -1.0 if mirror else 1.0
    assert all(o.gaze_offset_deg is not None and sign * o.gaze_offset_deg[0] > 10 for o in flagged)


def test_eyes_on_the_camera(pipeline: Pipeline, evalset: Path) -> None:
    observations = judged(pipeline, evalset / FOCUS)
    assert all(o.calibrated for o in observations)
    away = sum(o.looking_away is True for o in observations) / len(observations)
    assert away <= 0.05


def test_the_command_line_and_a_live_session_calibrate_alike(
    pipeline: Pipeline, evalset: Path
) -> None:
    offline = Calibrator.from_settings(SETTINGS)
    for _ in judged_frames(pipeline, frames(evalset / GLANCE), offline, 0):
        pass
    live = Calibration(SETTINGS)
    for frame in frames(evalset / GLANCE):
        obs = pipeline.analyze_image(frame.image, neutral=live.neutral, run_objects=False)
        if not live.observe(obs, frame.t):
            break
    assert offline.ready and live.neutral == offline.neutral
    # The neutral gaze of this candidate: eyes on the camera read a little up (about 9 degrees).
    neutral = offline.neutral
    assert neutral.calibrated and abs(neutral.gaze_horizontal) < 0.05
    assert 0.2 < neutral.gaze_vertical < 0.3
