"""Calibration of the candidate's neutral pose during live analysis (real Calibrator)."""

from __future__ import annotations

from proctor.realtime.live import Calibration
from proctor.vision.types import Face, Gaze, HeadPose, Observation


def seen(yaw: float, pitch: float, faces: int = 1) -> Observation:
    face = Face((0, 0, 100, 100), 0.9, HeadPose(yaw, pitch, 0.0), Gaze(0.0, 0.3))
    return Observation(640, 480, faces=[face] * faces)


def test_first_seconds_of_one_face_frames_set_the_neutral_pose() -> None:
    cal = Calibration(seconds=5)
    for t in range(5):
        assert cal.observe(seen(10.0, -5.0), float(t)) is True
        assert cal.neutral is None
    assert cal.observe(seen(10.0, -5.0), 5.0) is False
    assert cal.neutral is not None
    assert abs(cal.neutral.yaw - 10.0) < 0.01 and abs(cal.neutral.pitch + 5.0) < 0.01


def test_frames_without_exactly_one_face_do_not_count() -> None:
    cal = Calibration(seconds=2)
    for t in range(10):
        cal.observe(seen(0.0, 0.0, faces=2 if t % 2 else 0), float(t))
    assert cal.neutral is None


def test_restart_calibrates_again() -> None:
    cal = Calibration(seconds=2)
    for t in range(8):
        cal.observe(seen(0.0, -12.0), float(t))
    assert cal.neutral is not None
    cal.restart()
    assert cal.neutral is None
    for t in range(8, 16):
        cal.observe(seen(8.0, -12.0), float(t))
    assert cal.neutral is not None and abs(cal.neutral.yaw - 8.0) < 0.01


def test_it_gives_up_when_no_usable_face_shows() -> None:
    cal = Calibration(seconds=5)
    assert cal.observe(seen(0.0, 0.0, faces=0), 0.0) is True
    assert cal.observe(seen(0.0, 0.0, faces=0), 26.0) is False  # past 3 x 5 s + 10 s
    assert cal.neutral is None


def test_zero_seconds_means_no_calibration() -> None:
    assert Calibration(seconds=0).observe(seen(0.0, 0.0), 0.0) is False
