"""Looking away: the decision rule, gaze geometry, calibration, and real evaluation images."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from proctor.config import Settings
from proctor.evaluation.faces import evaluate_faces
from proctor.vision.attention import (
    DEFAULT_NEUTRAL,
    DEFAULT_NEUTRAL_SLACK_DEG,
    MAX_NEUTRAL_SHIFT,
    PITCH_UP_FACTOR,
    Calibrator,
    NeutralPose,
    away_reason,
    gaze_thresholds,
)
from proctor.vision.detectors.base import create
from proctor.vision.detectors.landmarks import EyeLandmarks
from proctor.vision.gaze import EYE_TEMPORAL_OFFSET, gaze_from_eyes
from proctor.vision.pipeline import Pipeline
from proctor.vision.types import EYE_WIDTH_MM, IRIS_RADIUS_MM, Gaze, HeadPose, gaze_degrees
from tests.conftest import with_models

ReadImage = Callable[[str], bytes]

SETTINGS = Settings(object_model="none")
N = DEFAULT_NEUTRAL


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return with_models(lambda: Pipeline(SETTINGS, object_detector=create(SETTINGS)))


def pose(yaw: float = N.yaw, pitch: float = N.pitch, roll: float = N.roll) -> HeadPose:
    return HeadPose(yaw=yaw, pitch=pitch, roll=roll)


def gaze(h: float = N.gaze_horizontal, v: float = N.gaze_vertical) -> Gaze:
    return Gaze(horizontal=h, vertical=v)


def reason(
    p: HeadPose | None,
    g: Gaze | None,
    kp: float | None = None,
    neutral: NeutralPose = N,
    **settings: float,
) -> str | None:
    overrides: dict[str, Any] = {"object_model": "none", **settings}
    return away_reason(p, g, kp, neutral, Settings(**overrides))


def turned_eyes(h_deg: float, v_deg: float = 0.0, neutral: NeutralPose = N) -> Gaze:
    """The gaze of eyes turned from ``neutral`` by these angles (the inverse of
    ``gaze_degrees``)."""
    h0, v0 = gaze_degrees(neutral.gaze_horizontal, neutral.gaze_vertical)
    h = math.sin(math.radians(h0 + h_deg)) * IRIS_RADIUS_MM / (EYE_WIDTH_MM / 2)
    v = math.sin(math.radians(v0 + v_deg)) * IRIS_RADIUS_MM / (EYE_WIDTH_MM / 4)
    return Gaze(horizontal=h, vertical=v)


def test_decision_rule() -> None:
    yaw, pitch = SETTINGS.yaw_threshold_deg, SETTINGS.pitch_threshold_deg
    side, down, up = gaze_thresholds(N, SETTINGS)
    assert reason(pose(), gaze()) is None
    assert reason(pose(yaw=N.yaw + yaw + 5), gaze()) == "head_turned"
    assert reason(pose(yaw=N.yaw - yaw - 5), None) == "head_turned"
    assert reason(pose(yaw=N.yaw + yaw + 5), gaze(), yaw_threshold_deg=yaw + 10) is None
    assert reason(pose(pitch=N.pitch - pitch - 5), gaze()) == "head_down"
    assert reason(pose(pitch=N.pitch + pitch + 5), gaze()) is None  # glancing up is tolerated more
    assert reason(pose(pitch=N.pitch + 2 * pitch), gaze()) == "head_up"
    assert reason(pose(), turned_eyes(side + 1)) == "eyes_away"
    assert reason(pose(), turned_eyes(-side - 1)) == "eyes_away"
    assert reason(pose(), turned_eyes(side - 1)) is None
    assert reason(pose(), turned_eyes(0, -down - 1)) == "eyes_down"
    assert reason(pose(), turned_eyes(0, down + 1)) is None  # up is tolerated more
    assert reason(pose(), turned_eyes(0, up + 1)) == "eyes_up"
    # The head comes first: a turned head with the eyes away reads as a turned head.
    assert reason(pose(yaw=N.yaw + yaw + 5), turned_eyes(side + 10)) == "head_turned"
    # The mesh could not read the face: covered or turned away.
    assert reason(None, None, kp=N.yaw) == "face_hidden"
    # Keypoints alone can still say how far the head turned.
    assert reason(None, None, kp=N.yaw + yaw + 40) == "head_turned"


def test_gaze_thresholds_are_narrower_against_a_calibrated_neutral() -> None:
    calibrated = NeutralPose(gaze_horizontal=0.02, gaze_vertical=0.25, calibrated=True)
    side, down, up = gaze_thresholds(calibrated, SETTINGS)
    assert (side, down) == (SETTINGS.gaze_threshold_deg, SETTINGS.gaze_down_threshold_deg)
    assert up == pytest.approx(PITCH_UP_FACTOR * down)
    wide_side, wide_down, _ = gaze_thresholds(N, SETTINGS)
    assert (wide_side - side, wide_down - down) == pytest.approx(DEFAULT_NEUTRAL_SLACK_DEG)
    # A glance between the two thresholds counts only for a calibrated candidate, whose own
    # straight-ahead gaze is known.
    glance = (side + wide_side) / 2
    assert reason(pose(), turned_eyes(glance, neutral=calibrated), neutral=calibrated) == (
        "eyes_away"
    )
    assert reason(pose(), turned_eyes(glance)) is None


def test_gaze_degrees() -> None:
    assert gaze_degrees(0.0, 0.0) == (0.0, 0.0)
    h, v = gaze_degrees(0.4, 0.4)
    # Half widths sideways, quarter widths vertically: the same offset in the image is half
    # the angle vertically.
    assert h == pytest.approx(30.0) and v == pytest.approx(14.48, abs=0.01)
    assert gaze_degrees(-1.0, -1.0)[0] == -90.0  # past the eye's reach: clipped
    assert Gaze(0.27, 0.3).to_json() == {
        "horizontal": 0.27,
        "vertical": 0.3,
        "horizontal_deg": 19.7,
        "vertical_deg": 10.8,
    }


def test_eyes_turning_back_against_a_turned_head_are_not_looking_away() -> None:
    turned = pose(yaw=N.yaw + 20)
    assert reason(turned, turned_eyes(-10)) is None  # eyes back on the screen
    assert reason(turned, turned_eyes(10)) == "eyes_away"  # eyes further away


def _eye(iris_at: float, *, mirrored: bool, v: float = 0.0) -> EyeLandmarks:
    """An eye 40 px wide at y 100 whose iris sits at ``iris_at`` (-1..1, image-left to right)."""
    contour = np.zeros((71, 2))
    contour[0], contour[8] = (
        ((140.0, 100.0), (100.0, 100.0)) if mirrored else ((100.0, 100.0), (140.0, 100.0))
    )
    iris = np.zeros((5, 2))
    iris[0] = (120.0 + 20.0 * iris_at, 100.0 - 10.0 * v)
    return EyeLandmarks(contour=contour, iris=iris)


def test_gaze_geometry() -> None:
    t = EYE_TEMPORAL_OFFSET
    # Irises centred: each eye reads its temporal offset removed, and the two cancel.
    centred = gaze_from_eyes(_eye(0, mirrored=False), _eye(0, mirrored=True))
    assert centred is not None
    assert centred.horizontal == pytest.approx(0.0, abs=1e-9)
    # Both irises a quarter width to the image's right, and up by a quarter width.
    right = gaze_from_eyes(_eye(0.5 - t, mirrored=False), _eye(0.5 + t, mirrored=True), (0, 0))
    assert right is not None
    assert right.horizontal == pytest.approx(0.5) and right.vertical == pytest.approx(0.0)
    up = gaze_from_eyes(_eye(-t, mirrored=False, v=1), _eye(t, mirrored=True, v=1))
    assert up is not None and up.vertical == pytest.approx(1.0)
    # One eye misread (a hand over it): the eyes disagree, the reading nearer the neutral wins.
    misread = gaze_from_eyes(_eye(0.8, mirrored=False), _eye(t, mirrored=True), (0.0, 0.0))
    assert misread is not None and misread.horizontal == pytest.approx(0.0, abs=1e-9)
    assert gaze_from_eyes(None, None) is None


def _feed(cal: Calibrator, yaws: list[float], *, dt: float = 0.5) -> list[bool]:
    return [cal.add(pose(yaw=y, pitch=-30.0), gaze(0.1, 0.2), i * dt) for i, y in enumerate(yaws)]


def test_calibration_median_and_readiness() -> None:
    cal = Calibrator(2.0, min_samples=5)
    assert not cal.ready and cal.neutral == DEFAULT_NEUTRAL
    states = _feed(cal, [8.0, 10.0, 12.0, 9.0, 11.0, 10.0])
    # Ready only once 2 s have passed (t = 2.0 at the fifth sample) with five samples.
    assert states == [False, False, False, False, True, True]
    assert cal.neutral.yaw == pytest.approx(10.0)
    assert cal.neutral.pitch == pytest.approx(-30.0)
    assert cal.neutral.gaze_horizontal == pytest.approx(0.1)
    assert cal.neutral.gaze_vertical == pytest.approx(0.2)


def test_calibration_needs_enough_samples() -> None:
    cal = Calibrator(1.0, min_samples=5)
    for i in range(10):  # frames without a readable face do not count
        cal.add(None, None, float(i))
    assert not cal.ready and cal.samples == 0
    _feed(cal, [5.0] * 4, dt=1.0)
    assert not cal.ready
    cal.add(pose(yaw=5.0), None, 20.0)
    assert cal.ready and cal.neutral.yaw == pytest.approx(5.0)
    # Too few gaze samples: the default gaze neutral stays.
    assert cal.neutral.gaze_vertical == DEFAULT_NEUTRAL.gaze_vertical


def test_calibration_refuses_turned_heads_rejects_outliers_and_clamps() -> None:
    cal = Calibrator(0.0, min_samples=9)
    _feed(cal, [10.0, 11.0, 9.0, 10.5, 9.5, 10.0, 60.0, 65.0, 10.2, 9.8, 70.0])
    assert not cal.ready  # the 60-70° turns give no sample: 8 good frames so far
    _feed(cal, [10.1])
    assert cal.ready and cal.samples == 9
    assert cal.neutral.yaw == pytest.approx(10.0, abs=0.3)
    stubborn = Calibrator(0.0, min_samples=5)
    _feed(stubborn, [80.0] * 5)  # looked away through the whole calibration
    assert not stubborn.ready and stubborn.neutral == DEFAULT_NEUTRAL
    low = Calibrator(0.0, min_samples=5)
    for i in range(5):  # a camera far above the screen: clamped
        low.add(pose(pitch=-70.0), gaze(), float(i))
    assert low.neutral.pitch == pytest.approx(DEFAULT_NEUTRAL.pitch - MAX_NEUTRAL_SHIFT["pitch"])
    # Eyes that kept looking sideways: the gaze neutral is clamped too.
    wide = Calibrator(0.0, min_samples=5)
    for i in range(5):
        wide.add(pose(), gaze(h=0.6), float(i))
    assert wide.neutral.gaze_horizontal == pytest.approx(
        DEFAULT_NEUTRAL.gaze_horizontal + MAX_NEUTRAL_SHIFT["gaze"]
    )
    assert wide.neutral.calibrated


def test_calibration_gives_up_without_good_frames() -> None:
    cal = Calibrator(5.0, min_samples=5)
    assert cal.add(None, None, 0.0) is False and not cal.finished
    cal.add(pose(yaw=70.0), gaze(), 24.0)
    assert not cal.finished
    cal.add(None, None, 25.5)  # past 3 x 5 s + 10 s
    assert cal.finished and not cal.ready and cal.neutral == DEFAULT_NEUTRAL


def test_calibration_restart() -> None:
    cal = Calibrator(0.0, min_samples=3)
    _feed(cal, [10.0, 10.0, 10.0])
    assert cal.ready
    cal.restart()
    assert not cal.ready and cal.samples == 0 and cal.neutral == DEFAULT_NEUTRAL
    _feed(cal, [-4.0, -4.0, -4.0])
    assert cal.neutral.yaw == pytest.approx(-4.0)


def test_calibrated_neutral_changes_the_decision() -> None:
    # A camera mounted high reads every frame as pitched down.
    low = pose(pitch=N.pitch - SETTINGS.pitch_threshold_deg - 8)
    assert reason(low, gaze()) == "head_down"
    cal = Calibrator(0.0, min_samples=5)
    for i in range(5):
        cal.add(low, gaze(), float(i))
    assert away_reason(low, gaze(), None, cal.neutral, SETTINGS) is None


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("single_grace_hopper.jpg", None),
        ("single_webcam_woman_dark.jpg", None),
        ("away_profile_sunglasses.jpg", "head_turned"),
        ("away_profile_blonde.jpg", "head_turned"),
        ("away_webcam_eyes_right.jpg", "eyes_away"),
        ("laptop_man_looking_down.jpg", "eyes_down"),  # reading at a desk, eyes half closed
        ("phone_man_street_call.jpg", "face_hidden"),  # a phone and hand over half the face
    ],
)
def test_real_images(
    pipeline: Pipeline, evalset_image: ReadImage, name: str, why: str | None
) -> None:
    obs = pipeline.analyze_bytes(evalset_image(name), run_objects=False)
    assert obs.face_count == 1
    assert obs.looking_away is (why is not None) and obs.away_reason == why
    assert obs.calibrated is False  # a still image: the default neutral


def test_profiles_have_the_documented_yaw_sign(
    pipeline: Pipeline, evalset_image: ReadImage
) -> None:
    faces_right = pipeline.analyze_bytes(evalset_image("away_profile_blonde.jpg")).primary_face
    faces_left = pipeline.analyze_bytes(evalset_image("away_profile_sunglasses.jpg")).primary_face
    assert faces_right is not None and faces_right.head_pose is not None
    assert faces_left is not None and faces_left.head_pose is not None
    assert faces_right.head_pose.yaw > 25 and faces_left.head_pose.yaw < -25


def test_eyes_only_frame_is_caught_by_gaze(pipeline: Pipeline, evalset_image: ReadImage) -> None:
    face = pipeline.analyze_bytes(evalset_image("away_webcam_eyes_right.jpg")).primary_face
    assert face is not None and face.head_pose is not None and face.gaze is not None
    assert abs(face.head_pose.yaw - N.yaw) < SETTINGS.yaw_threshold_deg / 2  # head near frontal
    assert away_reason(face.head_pose, face.gaze, None, N, SETTINGS) == "eyes_away"


def test_looking_away_f1_on_the_evaluation_set(pipeline: Pipeline, evalset: Path) -> None:
    result = evaluate_faces(pipeline, evalset)
    assert result.looking_away.f1 >= 0.90, result.looking_away.errors
    assert result.looking_away.fp == 0, result.looking_away.errors  # no false alarm
