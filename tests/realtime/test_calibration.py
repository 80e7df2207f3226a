"""Calibration of the candidate's neutral pose during live analysis (real Calibrator)."""

from __future__ import annotations

from proctor.config import Settings
from proctor.realtime.live import Calibration
from proctor.vision.types import Face, Gaze, HeadPose, Observation


def calibration(seconds: float) -> Calibration:
    return Calibration(Settings(calibration_seconds=seconds))


def seen(yaw: float, pitch: float, faces: int = 1) -> Observation:
    face = Face((0, 0, 100, 100), 0.9, HeadPose(yaw, pitch, 0.0), Gaze(0.0, 0.3))
    return Observation(640, 480, faces=[face] * faces)


def test_first_seconds_of_one_face_frames_set_the_neutral_pose() -> None:
    cal = calibration(5)
    for t in range(5):
        assert cal.observe(seen(10.0, -5.0), float(t)) is True
        assert cal.neutral is None
    assert cal.observe(seen(10.0, -5.0), 5.0) is False
    assert cal.neutral is not None
    assert abs(cal.neutral.yaw - 10.0) < 0.01 and abs(cal.neutral.pitch + 5.0) < 0.01


def test_frames_without_exactly_one_face_do_not_count() -> None:
    cal = calibration(2)
    for t in range(10):
        cal.observe(seen(0.0, 0.0, faces=2 if t % 2 else 0), float(t))
    assert cal.neutral is None


def test_restart_calibrates_again() -> None:
    cal = calibration(2)
    for t in range(8):
        cal.observe(seen(0.0, -12.0), float(t))
    assert cal.neutral is not None
    cal.restart()
    assert cal.neutral is None
    for t in range(8, 16):
        cal.observe(seen(8.0, -12.0), float(t))
    assert cal.neutral is not None and abs(cal.neutral.yaw - 8.0) < 0.01


def test_it_gives_up_when_no_usable_face_shows() -> None:
    cal = calibration(5)
    assert cal.observe(seen(0.0, 0.0, faces=0), 0.0) is True
    assert cal.observe(seen(0.0, 0.0, faces=0), 26.0) is False  # past 3 x 5 s + 10 s
    assert cal.neutral is None


def test_zero_seconds_means_no_calibration() -> None:
    assert calibration(0).observe(seen(0.0, 0.0), 0.0) is False


def test_turned_heads_give_no_sample() -> None:
    cal = calibration(2)
    for t in range(6):
        cal.observe(seen(60.0, -10.0), float(t))  # facing a second screen
    assert cal.neutral is None
    for t in range(6, 12):
        cal.observe(seen(4.0, -10.0), float(t))
    assert cal.neutral is not None and abs(cal.neutral.yaw - 4.0) < 0.01
    assert cal.neutral.calibrated
    assert abs(cal.neutral.gaze_vertical - 0.3) < 0.01  # the gaze is calibrated too
