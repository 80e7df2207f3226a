"""Enrolment: is a photo good enough to recognise the candidate by, for the whole session?

A photo is refused, with the reason the candidate's page shows, when it has no face, more than
one face, a face too small, too dark or blurred. A usable photo gives the face's box and
descriptor (the descriptor stays on the server).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import cv2
import numpy as np

from proctor.identity.embedders import Embedder
from proctor.identity.faces import Face, FaceFinder

Problem = Literal["no_face", "not_alone", "too_small", "too_dark", "blurred"]
PROBLEMS: dict[str, str] = {
    "no_face": "No face was found. Face the camera, with your whole face in the picture.",
    "not_alone": "More than one face is in the picture. Only you should be in view.",
    "too_small": "Your face is too small. Come closer to the camera.",
    "too_dark": "The picture is too dark. Turn on a light or face a window.",
    "blurred": "The picture is blurred. Hold still and make sure the camera is in focus.",
}
# The face's box, longer side: twice the descriptor's floor (faces.MIN_FACE_PX), so that a live
# frame where the candidate sits a little further back still has a usable face.
ENROL_MIN_FACE_PX = 120
# A second face at least this share of the primary's size means someone else is in view
# (smaller ones are posters, photos on a shelf or people far behind).
SECOND_FACE_SHARE = 0.35
# Mean brightness (0-255) of the face's pixels under which the face is too dark to describe.
MIN_FACE_BRIGHTNESS = 60.0
# Sharpness: the variance of the Laplacian of the face, resized to SHARPNESS_SIDE square.
# Webcam faces of the evaluation set measure 60-400; a 9-pixel box blur brings them under 25.
MIN_SHARPNESS = 25.0
SHARPNESS_SIDE = 128


@dataclass(frozen=True, slots=True)
class Enrolment:
    """The verdict on one photo: ``problem`` is None when it is usable."""

    problem: Problem | None
    face: Face | None = None
    faces: int = 0
    brightness: float | None = None
    sharpness: float | None = None
    embedding: np.ndarray | None = field(default=None, repr=False)

    @property
    def message(self) -> str:
        return PROBLEMS[self.problem] if self.problem else "Thank you: your photo is taken."


def face_pixels(image_bgr: np.ndarray, face: Face) -> np.ndarray:
    """The face's box as a grey image (clipped to the photo)."""
    h, w = image_bgr.shape[:2]
    x1, y1, x2, y2 = (round(v) for v in face.box)
    crop = image_bgr[max(0, y1) : min(h, y2), max(0, x1) : min(w, x2)]
    return cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) if crop.size else np.zeros((1, 1), np.uint8)


def brightness(grey: np.ndarray) -> float:
    return float(grey.mean())


def sharpness(grey: np.ndarray) -> float:
    """Variance of the Laplacian at a fixed size, so a large face is not judged sharper."""
    small = cv2.resize(grey, (SHARPNESS_SIDE, SHARPNESS_SIDE), interpolation=cv2.INTER_AREA)
    return float(cv2.Laplacian(small, cv2.CV_64F).var())


def assess(image_bgr: np.ndarray, finder: FaceFinder, embedder: Embedder) -> Enrolment:
    """The photo's verdict; the descriptor only when it is usable."""
    found = finder.faces(image_bgr)
    if not found:
        return Enrolment("no_face")
    face = found[0]
    others = [f for f in found[1:] if f.size >= SECOND_FACE_SHARE * face.size]
    n = 1 + len(others)
    if others:
        return Enrolment("not_alone", face, n)
    if face.size < ENROL_MIN_FACE_PX:
        return Enrolment("too_small", face, n)
    grey = face_pixels(image_bgr, face)
    light, sharp = brightness(grey), sharpness(grey)
    if light < MIN_FACE_BRIGHTNESS:
        return Enrolment("too_dark", face, n, light, sharp)
    if sharp < MIN_SHARPNESS:
        return Enrolment("blurred", face, n, light, sharp)
    return Enrolment(None, face, n, light, sharp, embedder.embed(image_bgr, face))
