"""FaceMesh (468 landmarks) and Iris landmarks with MediaPipe's models on LiteRT.

Crops follow MediaPipe's graphs: the face ROI is the detection box squared on its long side,
scaled by 1.5 and rotated so the eyes are level; each eye ROI spans its two corners scaled by 2.3.
The iris model expects a left eye (image-left), so the other eye's crop is mirrored. Crops are
taken with one ``cv2.warpAffine`` each, and points are mapped back with the same affine matrix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import cv2
import numpy as np

from proctor.vision.detectors.faces import EYE_L, EYE_R, FaceBox
from proctor.vision.litert import LiteModel
from proctor.vision.models import face_model_path

FACE_ROI_SCALE = 1.5
EYE_ROI_SCALE = 2.3
# Mesh indices of the eye corners: image-left eye (outer, inner), image-right eye (inner, outer).
LEFT_EYE_CORNERS = (33, 133)
RIGHT_EYE_CORNERS = (362, 263)
MIN_FACE_PRESENCE = 0.5
_EYE_CORNER_ROWS = [*LEFT_EYE_CORNERS, *RIGHT_EYE_CORNERS]


@dataclass(frozen=True, slots=True, eq=False)
class EyeLandmarks:
    """One eye in image pixels: 71 contour points (0 and 8 are the corners) and 5 iris points."""

    contour: np.ndarray  # (71, 2)
    iris: np.ndarray  # (5, 2): centre, then four points on the iris edge


@dataclass(frozen=True, slots=True, eq=False)
class FaceLandmarks:
    """The mesh in image pixels (x, y, and z on the x scale), presence score, and both eyes."""

    mesh: np.ndarray  # (468, 3)
    presence: float
    left_eye: EyeLandmarks | None = None  # the eye on the image's left
    right_eye: EyeLandmarks | None = None


def roi_matrix(
    centre: tuple[float, float], size: float, angle: float, out: int, *, mirror: bool = False
) -> np.ndarray:
    """Affine matrix (2x3) from crop pixels to image pixels for a square ROI rotated by ``angle``.

    ``angle`` is the direction of the ROI's x axis in the image (radians, y down).
    """
    k = size / out
    cos, sin = math.cos(angle) * k, math.sin(angle) * k
    sx = -1.0 if mirror else 1.0
    half = out / 2.0
    cx, cy = centre
    # image = c + R * S * (crop - half), with S mirroring x when asked
    return np.array(
        [
            [cos * sx, -sin, cx - (cos * sx * half - sin * half)],
            [sin * sx, cos, cy - (sin * sx * half + cos * half)],
        ],
        dtype=np.float64,
    )


def crop(
    image_bgr: np.ndarray, matrix: np.ndarray, size: int, *, out: np.ndarray | None = None
) -> np.ndarray:
    """The ROI, ``size`` pixels square, as RGBA; into ``out`` if given (a contiguous
    ``(size, size, 4)`` uint8 array).

    Only the part of the frame the ROI samples is converted to RGBA: four-channel pixels take
    OpenCV's vectorised ``warpAffine`` (two to three times faster than three-channel ones),
    and the crop is what a whole-frame conversion would give (the shifted origin can round a
    sampling position the other way: one level in a few pixels in ten thousand).
    """
    height, width = image_bgr.shape[:2]
    (a, b, c), (d, e, f) = matrix.tolist()
    # Where the crop's corners land in the frame, plus the pixel bilinear sampling reads.
    xs = (c, a * size + c, b * size + c, (a + b) * size + c)
    ys = (f, d * size + f, e * size + f, (d + e) * size + f)
    x0, x1 = max(math.floor(min(xs)) - 1, 0), min(math.ceil(max(xs)) + 2, width)
    y0, y1 = max(math.floor(min(ys)) - 1, 0), min(math.ceil(max(ys)) + 2, height)
    if x0 >= x1 or y0 >= y1:  # the ROI lies wholly outside the frame
        black = out if out is not None else np.empty((size, size, 4), dtype=np.uint8)
        black[...] = 0
        return black
    region = cv2.cvtColor(image_bgr[y0:y1, x0:x1], cv2.COLOR_BGR2RGBA)
    shifted = np.array([[a, b, c - x0], [d, e, f - y0]])
    result: np.ndarray = cv2.warpAffine(
        region,
        shifted,
        (size, size),
        dst=out,
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_CONSTANT,
    )
    return result


def to_image(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Map ``(N, 3)`` float32 crop points to image pixels (z is scaled, not moved), by one
    ``cv2.transform`` with the 2D affine map extended to depth."""
    (a, b, c), (d, e, f) = matrix.tolist()
    extended = np.array([[a, b, 0.0, c], [d, e, 0.0, f], [0.0, 0.0, math.hypot(a, d), 0.0]])
    result: np.ndarray = cv2.transform(points.reshape(-1, 1, 3), extended).reshape(-1, 3)
    return result


class FaceLandmarker:
    """FaceMesh on a face box, then Iris on both eyes."""

    def __init__(self, *, num_threads: int = 1) -> None:
        self.mesh_model = LiteModel(face_model_path("face_mesh"), num_threads=num_threads)
        # The iris model's 64x64 input is too small to split: a second thread made it slower
        # (bench/vision.py), so it keeps one whatever the budget.
        self.iris_model = LiteModel(face_model_path("iris"), num_threads=1, batch=2)
        self._invoke_ms = 0.0

    def invoke_ms(self) -> float:
        """Bare model time of the last ``landmarks`` call (mesh plus irises)."""
        return self._invoke_ms

    def landmarks(
        self, image_bgr: np.ndarray, face: FaceBox, *, eyes: bool = True
    ) -> FaceLandmarks | None:
        """The mesh and (with ``eyes``) irises, or None when the mesh model sees no face in the
        ROI."""
        self._invoke_ms = 0.0
        x1, y1, x2, y2 = face.box
        keypoints = face.keypoints.tolist()
        (lx, ly), (rx, ry) = keypoints[EYE_L], keypoints[EYE_R]
        angle = math.atan2(ry - ly, rx - lx)
        size = max(x2 - x1, y2 - y1) * FACE_ROI_SCALE
        n = self.mesh_model.input_width
        matrix = roi_matrix(((x1 + x2) / 2, (y1 + y2) / 2), size, angle, n)
        raw_mesh, raw_presence = self.mesh_model.run_image(crop(image_bgr, matrix, n), 1 / 255, 0.0)
        self._invoke_ms += self.mesh_model.last_invoke_ms
        presence = 1.0 / (1.0 + math.exp(-min(max(float(raw_presence.flat[0]), -80.0), 80.0)))
        if presence < MIN_FACE_PRESENCE:
            return None
        marks = FaceLandmarks(mesh=to_image(raw_mesh.reshape(-1, 3), matrix), presence=presence)
        return self.with_eyes(image_bgr, marks) if eyes else marks

    def with_eyes(self, image_bgr: np.ndarray, marks: FaceLandmarks) -> FaceLandmarks:
        """``marks`` with both irises (their model time adds to ``invoke_ms``).

        Both eyes go through the iris model in one batch: one invocation costs what two single
        ones do, and the input and output handling is done once.
        """
        left_a, left_b, right_a, right_b = marks.mesh[_EYE_CORNER_ROWS, :2].tolist()
        matrices = [
            self._eye_matrix(left_a, left_b, mirror=False),
            self._eye_matrix(right_a, right_b, mirror=True),
        ]
        if matrices[0] is None and matrices[1] is None:
            return marks
        n = self.iris_model.input_width
        crops = np.zeros((2, n, n, 4), dtype=np.uint8)  # an eye not read stays black
        for crop_out, matrix in zip(crops, matrices, strict=True):
            if matrix is not None:
                crop(image_bgr, matrix, n, out=crop_out)
        raw_contours, raw_irises = self.iris_model.run_image(crops, 1 / 255, 0.0)
        self._invoke_ms += self.iris_model.last_invoke_ms
        contours, irises = raw_contours.reshape(2, -1, 3), raw_irises.reshape(2, -1, 3)
        eyes: list[EyeLandmarks | None] = []
        for k, matrix in enumerate(matrices):
            if matrix is None:
                eyes.append(None)
                continue
            points = to_image(np.concatenate([contours[k], irises[k]]), matrix)[:, :2]
            eyes.append(EyeLandmarks(contour=points[:-5], iris=points[-5:]))
        return replace(marks, left_eye=eyes[0], right_eye=eyes[1])

    def _eye_matrix(
        self, corner_a: list[float], corner_b: list[float], *, mirror: bool
    ) -> np.ndarray | None:
        """The crop matrix of the eye between two corners, or None when the eye is hidden (a
        profile)."""
        (ax, ay), (bx, by) = corner_a, corner_b
        width = math.hypot(bx - ax, by - ay)
        if width < 2.0:  # an eye hidden by a profile view: nothing to crop
            return None
        angle = math.atan2(by - ay, bx - ax)
        n = self.iris_model.input_width
        return roi_matrix(
            ((ax + bx) / 2, (ay + by) / 2), width * EYE_ROI_SCALE, angle, n, mirror=mirror
        )
