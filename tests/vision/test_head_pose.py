"""Head pose math: known rotations projected through a camera are recovered, signs as documented."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from proctor.vision.detectors.faces import EAR_L, EAR_R, NOSE
from proctor.vision.head_pose import (
    MESH_INDICES,
    MODEL_POINTS,
    camera_matrix,
    euler_angles,
    rotation_matrix,
    solve_head_pose,
    yaw_from_keypoints,
)

WIDTH, HEIGHT = 640, 480
ANGLES = [(0, 0, 0), (20, 0, 0), (-35, 10, 5), (10, -25, -8), (45, 15, 12), (-5, 30, -20)]


def project(yaw: float, pitch: float, roll: float, t: tuple[float, float, float]) -> np.ndarray:
    """Image points of the 3D model turned by the given angles and placed at ``t`` (cm)."""
    rvec, _ = cv2.Rodrigues(rotation_matrix(yaw, pitch, roll))
    points, _ = cv2.projectPoints(
        MODEL_POINTS, rvec, np.array(t, dtype=np.float64), camera_matrix(WIDTH, HEIGHT), None
    )
    return points.reshape(-1, 2)


@pytest.mark.parametrize("angles", ANGLES)
def test_euler_round_trip(angles: tuple[float, float, float]) -> None:
    assert euler_angles(rotation_matrix(*angles)) == pytest.approx(angles, abs=1e-9)


@pytest.mark.parametrize("angles", ANGLES)
def test_projected_pose_is_recovered_within_one_degree(angles: tuple[float, float, float]) -> None:
    pose = solve_head_pose(project(*angles, (0.0, 0.0, 60.0)), WIDTH, HEIGHT)
    assert pose is not None
    assert pose.yaw == pytest.approx(angles[0], abs=1.0)
    assert pose.pitch == pytest.approx(angles[1], abs=1.0)
    assert pose.roll == pytest.approx(angles[2], abs=1.0)


def test_sign_conventions() -> None:
    nose = MESH_INDICES.index(1)
    eye_l, eye_r = MESH_INDICES.index(33), MESH_INDICES.index(263)
    centre = project(0, 0, 0, (0, 0, 60))
    # yaw > 0: the face turns to the image's right, so the nose moves right.
    assert project(25, 0, 0, (0, 0, 60))[nose, 0] > centre[nose, 0] + 5
    # pitch > 0: the face turns up, so the nose moves up (smaller y).
    assert project(0, 25, 0, (0, 0, 60))[nose, 1] < centre[nose, 1] - 5
    # roll > 0: clockwise on screen, so the image-right eye drops below the image-left one.
    rolled = project(0, 0, 20, (0, 0, 60))
    assert rolled[eye_r, 1] > rolled[eye_l, 1] + 5


def test_off_centre_face_looking_into_the_camera_reads_as_frontal() -> None:
    t = (25.0, -10.0, 60.0)  # right of and above the optical axis
    toward_camera_yaw = -math.degrees(math.atan2(t[0], t[2]))
    toward_camera_pitch = math.degrees(math.atan2(t[1], math.hypot(t[0], t[2])))
    points = project(toward_camera_yaw, toward_camera_pitch, 0, t)
    in_view = solve_head_pose(points, WIDTH, HEIGHT)
    raw = solve_head_pose(points, WIDTH, HEIGHT, relative_to_view=False)
    assert in_view is not None and raw is not None
    assert in_view.yaw == pytest.approx(0.0, abs=1.5)
    assert in_view.pitch == pytest.approx(0.0, abs=1.5)
    assert raw.yaw == pytest.approx(toward_camera_yaw, abs=1.0)


def _keypoints(nose_x: float) -> np.ndarray:
    points = np.zeros((6, 2), dtype=np.float32)
    points[EAR_L] = (100, 200)
    points[EAR_R] = (300, 200)
    points[NOSE] = (nose_x, 230)
    return points


def test_yaw_from_keypoints() -> None:
    assert yaw_from_keypoints(_keypoints(200)) == pytest.approx(0.0, abs=1e-6)
    turned_right = yaw_from_keypoints(_keypoints(260))
    assert 15 < turned_right < 45
    assert yaw_from_keypoints(_keypoints(140)) == pytest.approx(-turned_right)
    # Saturates instead of failing when the nose passes the far ear (profiles).
    assert yaw_from_keypoints(_keypoints(400)) > turned_right
