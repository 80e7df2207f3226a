"""Head pose (yaw, pitch, roll in degrees) from face landmarks.

Frames: the camera is OpenCV's (x right, y down, z forward). A face looking straight into the
camera has the identity rotation. The rotation is ``R = Ry(-yaw) @ Rx(-pitch) @ Rz(roll)``, so
yaw > 0 turns the face to the image's right, pitch > 0 turns it up, and roll > 0 tilts it
clockwise on screen (the image-right eye lower).

The 3D reference is a few vertices of MediaPipe's canonical face model (Apache-2.0; centimetres,
converted to the camera frame). Its proportions are generic, which leaves a fixed pitch offset of
up to ~30 degrees for a real face: the neutral pose is calibrated per candidate (attention.py).
"""

from __future__ import annotations

import functools
import math

import cv2
import numpy as np

from proctor.vision.detectors.faces import EAR_L, EAR_R, NOSE
from proctor.vision.types import HeadPose

# FaceMesh indices and their canonical coordinates (x right, y up, z toward the viewer).
_CANONICAL: dict[int, tuple[float, float, float]] = {
    1: (0.0, -1.126865, 7.475604),  # nose tip
    152: (0.0, -9.403378, 4.264492),  # chin
    168: (0.0, 3.271027, 5.236015),  # nose bridge between the eyes
    33: (-4.445859, 2.663991, 3.173422),  # image-left eye, outer corner
    133: (-1.856432, 2.585245, 3.757904),  # image-left eye, inner corner
    362: (1.856432, 2.585245, 3.757904),  # image-right eye, inner corner
    263: (4.445859, 2.663991, 3.173422),  # image-right eye, outer corner
    61: (-2.456206, -4.342621, 4.283884),  # mouth, image-left corner
    291: (2.456206, -4.342621, 4.283884),  # mouth, image-right corner
}
MESH_INDICES: tuple[int, ...] = tuple(_CANONICAL)
# In the camera frame: flip y (down) and z (away from the camera).
_MESH_INDEX = np.array(MESH_INDICES)
MODEL_POINTS: np.ndarray = np.array(list(_CANONICAL.values()), dtype=np.float64) * (1, -1, -1)

# Depth of the nose tip ahead of the ear axis over half the ear distance, in the canonical model:
# the nose's offset from the ears' midpoint is about tan(yaw) times this ratio of half the ear span.
_NOSE_DEPTH_OVER_HALF_EAR_SPAN = 9.5 / 7.6


def rotation_matrix(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """The camera-frame rotation for angles in degrees (see the module docstring)."""
    a, b, c = math.radians(-yaw), math.radians(-pitch), math.radians(roll)
    ry = np.array([[math.cos(a), 0, math.sin(a)], [0, 1, 0], [-math.sin(a), 0, math.cos(a)]])
    rx = np.array([[1, 0, 0], [0, math.cos(b), -math.sin(b)], [0, math.sin(b), math.cos(b)]])
    rz = np.array([[math.cos(c), -math.sin(c), 0], [math.sin(c), math.cos(c), 0], [0, 0, 1]])
    result: np.ndarray = ry @ rx @ rz
    return result


def euler_angles(rotation: np.ndarray) -> tuple[float, float, float]:
    """Yaw, pitch, roll in degrees from a rotation built as in ``rotation_matrix``."""
    (_, _, r02), (r10, r11, r12), (_, _, r22) = rotation.tolist()
    b = math.asin(max(-1.0, min(1.0, -r12)))
    a = math.atan2(r02, r22)
    c = math.atan2(r10, r11)
    return -math.degrees(a), -math.degrees(b), math.degrees(c)


@functools.lru_cache(maxsize=16)  # frames keep their size; callers must not modify it
def camera_matrix(width: int, height: int) -> np.ndarray:
    """A pinhole camera with a focal length of one image width (about 53° across)."""
    f = float(width)
    return np.array([[f, 0, width / 2.0], [0, f, height / 2.0], [0, 0, 1]], dtype=np.float64)


def solve_head_pose(
    image_points: np.ndarray, width: int, height: int, *, relative_to_view: bool = True
) -> HeadPose | None:
    """Pose from the image positions of ``MESH_INDICES`` (``(N, 2)`` pixels), or None.

    With ``relative_to_view`` the angles are measured against the line from the face to the
    camera, so a face off the image centre that looks into the camera reads as yaw 0, pitch 0.
    """
    ok, rvec, tvec = cv2.solvePnP(
        MODEL_POINTS,
        image_points.astype(np.float64).reshape(-1, 1, 2),
        camera_matrix(width, height),
        None,
        flags=cv2.SOLVEPNP_SQPNP,
    )
    if not ok:
        return None
    rotation, _ = cv2.Rodrigues(rvec)
    yaw, pitch, roll = euler_angles(rotation)
    if relative_to_view:
        tx, ty, tz = tvec.ravel().tolist()
        if tz <= 0:
            return None
        yaw += math.degrees(math.atan2(tx, tz))
        pitch -= math.degrees(math.atan2(ty, tz))
    return HeadPose(yaw=yaw, pitch=pitch, roll=roll)


def head_pose_from_mesh(mesh: np.ndarray, width: int, height: int) -> HeadPose | None:
    """Pose from a FaceMesh result ``(468, 2+)`` in image pixels."""
    return solve_head_pose(mesh[_MESH_INDEX, :2], width, height)


def yaw_from_keypoints(keypoints: np.ndarray) -> float:
    """A coarse yaw (degrees) from BlazeFace keypoints: where the nose sits between the ears.

    Used when the mesh is unusable (profiles): the ratio saturates there, which still reads as
    strongly turned.
    """
    points = keypoints.tolist()
    (lx, ly), (rx, ry), (nx, ny) = points[EAR_L], points[EAR_R], points[NOSE]
    half_span = math.hypot(rx - lx, ry - ly) / 2.0
    if half_span < 1e-3:
        return 0.0
    # the nose's offset from the ears' midpoint along the ear line, in half spans
    offset = ((nx - (lx + rx) / 2.0) * (rx - lx) + (ny - (ly + ry) / 2.0) * (ry - ly)) / (
        2.0 * half_span * half_span
    )
    return math.degrees(math.atan(offset / _NOSE_DEPTH_OVER_HALF_EAR_SPAN))
