"""The primary face of an image: the largest one, if it is big enough to recognise.

Two detectors can find it: the project's BlazeFace pair (``proctor.vision.detectors.faces``) or
dlib's HOG frontal-face detector. BlazeFace is the default: on the identity dev set it finds as
many faces, is far faster on large photos and is what the live pipeline already runs (the
figures are in docs/EVALUATION.md, "Identity").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import cv2
import numpy as np

from proctor.vision.detectors.faces import EYE_L, EYE_R

DetectorName = Literal["blazeface", "dlib"]
DETECTORS: tuple[DetectorName, ...] = ("blazeface", "dlib")
# A face whose box is smaller than this (pixels, longer side) carries too little detail: the
# descriptor's input is a 150x150 chip, and a face under ~60 px is mostly interpolation.
MIN_FACE_PX = 60
# dlib's HOG detector runs on a copy whose longer side is at most this (large photos would cost
# seconds); boxes are scaled back.
HOG_MAX_SIDE = 1024


@dataclass(frozen=True, slots=True)
class Face:
    """A face box (x1, y1, x2, y2) in image pixels, and the eye centres (image-left eye first)
    when the detector gives them."""

    box: tuple[float, float, float, float]
    eyes: tuple[tuple[float, float], tuple[float, float]] | None = None

    @property
    def size(self) -> float:
        return max(self.box[2] - self.box[0], self.box[3] - self.box[1])

    @property
    def area(self) -> float:
        return (self.box[2] - self.box[0]) * (self.box[3] - self.box[1])


class FaceFinder:
    """Finds faces with one detector; ``primary`` returns the largest usable one or ``None``."""

    def __init__(self, detector: DetectorName = "blazeface", *, min_face_px: int = MIN_FACE_PX):
        if detector not in DETECTORS:
            raise ValueError(f"unknown face detector {detector!r} (one of {DETECTORS})")
        self.detector = detector
        self.min_face_px = min_face_px
        self._impl: Any = None

    def _load(self) -> Any:
        if self._impl is None:
            if self.detector == "blazeface":
                from proctor.vision.detectors.faces import FaceDetector

                self._impl = FaceDetector()
            else:
                import dlib

                self._impl = dlib.get_frontal_face_detector()
        return self._impl

    def faces(self, image_bgr: np.ndarray) -> list[Face]:
        """Every face found, largest first."""
        impl = self._load()
        if self.detector == "blazeface":
            found = [
                Face(
                    f.box,
                    (
                        (float(f.keypoints[EYE_L, 0]), float(f.keypoints[EYE_L, 1])),
                        (float(f.keypoints[EYE_R, 0]), float(f.keypoints[EYE_R, 1])),
                    ),
                )
                for f in impl.detect(image_bgr)
            ]
        else:
            h, w = image_bgr.shape[:2]
            scale = min(1.0, HOG_MAX_SIDE / max(h, w))
            small = (
                image_bgr
                if scale == 1.0
                else cv2.resize(
                    image_bgr, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA
                )
            )
            rgb = np.ascontiguousarray(small[:, :, ::-1])
            found = [
                Face((r.left() / scale, r.top() / scale, r.right() / scale, r.bottom() / scale))
                for r in impl(rgb, 1)
            ]
        return sorted(found, key=lambda f: -f.area)

    def primary(self, image_bgr: np.ndarray) -> Face | None:
        """The largest face, or ``None`` when there is none or it is smaller than
        ``min_face_px``."""
        found = self.faces(image_bgr)
        if not found or found[0].size < self.min_face_px:
            return None
        return found[0]
