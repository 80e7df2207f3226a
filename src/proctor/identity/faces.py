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
# BlazeFace's boxes are larger than dlib's HOG boxes, on which dlib's landmark model was trained:
# by a median 1/0.922 on the dev set (centres agree within 1%). They are scaled to match.
BLAZEFACE_BOX_SCALE = 0.92
# A face found at under this share of the photo's longer side is located again in a crop around
# it, where BlazeFace (192x192 input) sees it large enough to place the box and eyes well.
REFINE_BELOW = 0.15
# Where BlazeFace finds no face in a large photo it searches square tiles of this side: a face of
# MIN_FACE_PX is 6% of a tile, as large as the live detector's smallest counted face.
TILE_PX = 1024
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


def scaled(
    box: tuple[float, float, float, float], scale: float
) -> tuple[float, float, float, float]:
    """``box`` scaled about its centre."""
    x1, y1, x2, y2 = box
    cx, cy, hw, hh = (x1 + x2) / 2, (y1 + y2) / 2, (x2 - x1) * scale / 2, (y2 - y1) * scale / 2
    return (cx - hw, cy - hh, cx + hw, cy + hh)


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

    def _blazeface(self, image_bgr: np.ndarray, at: tuple[int, int] = (0, 0)) -> list[Face]:
        """BlazeFace's faces in ``image_bgr``, shifted by ``at`` (x, y)."""
        dx, dy = at
        return [
            Face(
                scaled((x1 + dx, y1 + dy, x2 + dx, y2 + dy), BLAZEFACE_BOX_SCALE),
                (
                    (float(f.keypoints[EYE_L, 0]) + dx, float(f.keypoints[EYE_L, 1]) + dy),
                    (float(f.keypoints[EYE_R, 0]) + dx, float(f.keypoints[EYE_R, 1]) + dy),
                ),
            )
            for f in self._load().detect(image_bgr)
            for x1, y1, x2, y2 in [f.box]
        ]

    def _tiles(self, image_bgr: np.ndarray) -> list[Face]:
        """Faces in overlapping square tiles of ``TILE_PX`` (half a tile apart): every face under
        half a tile lies whole in one of them."""
        h, w = image_bgr.shape[:2]
        step = TILE_PX // 2

        def starts(n: int) -> list[int]:
            return sorted({*range(0, max(n - TILE_PX, 0) + 1, step), max(n - TILE_PX, 0)})

        found: list[Face] = []
        for y in starts(h):
            for x in starts(w):
                tile = image_bgr[y : y + TILE_PX, x : x + TILE_PX]
                found += self._blazeface(tile, (x, y))
        return found

    def _refine(self, image_bgr: np.ndarray, face: Face) -> Face:
        """``face`` found again in a crop around it (the face about a quarter of the crop), where
        BlazeFace places the box and eyes better; ``face`` itself if the crop shows none."""
        h, w = image_bgr.shape[:2]
        pad = 1.5 * face.size
        x1, y1 = max(0, int(face.box[0] - pad)), max(0, int(face.box[1] - pad))
        x2, y2 = min(w, int(face.box[2] + pad) + 1), min(h, int(face.box[3] + pad) + 1)
        cx, cy = (face.box[0] + face.box[2]) / 2, (face.box[1] + face.box[3]) / 2
        near = [
            f
            for f in self._blazeface(image_bgr[y1:y2, x1:x2], (x1, y1))
            if f.box[0] <= cx <= f.box[2] and f.box[1] <= cy <= f.box[3]
        ]
        return max(near, key=lambda f: f.area) if near else face

    def faces(self, image_bgr: np.ndarray) -> list[Face]:
        """Every face found, largest first. BlazeFace searches tiles of a large photo where it
        found no face in the whole."""
        if self.detector == "blazeface":
            found = self._blazeface(image_bgr)
            if not found and max(image_bgr.shape[:2]) > TILE_PX:
                found = self._tiles(image_bgr)
            return sorted(found, key=lambda f: -f.area)
        impl = self._load()
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
        ``min_face_px``. With BlazeFace, a face under ``REFINE_BELOW`` of the photo's longer
        side is located again in a crop around it."""
        found = self.faces(image_bgr)
        if not found:
            return None
        face = found[0]
        if self.detector == "blazeface" and face.size < REFINE_BELOW * max(image_bgr.shape[:2]):
            face = self._refine(image_bgr, face)
        return face if face.size >= self.min_face_px else None
