"""Phones held beside a face: the frames the shipped model misses most, found to weigh them more.

Of the dev phones the product missed at stage 5, six in ten were held at the ear or against the
cheek (small, mostly hidden by the hand), against four in ten of all dev phones. ``beside_face``
finds such training frames with the product's own face detector (MediaPipe's BlazeFace, which
gives the ear tragions), so ``train --near-face-repeat N`` can show them N times an epoch. The
detector is deterministic, so the same data gives the same list.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from proctor.vision.detectors.faces import EAR_L, EAR_R, FaceBox, FaceDetector
from training.phone.data import Item, read

ACROSS = 0.6  # a phone's centre within this share of the face's size of an ear, sideways
ALONG = 0.7  # ... and up or down


def phone_beside_face(boxes: np.ndarray, faces: Sequence[FaceBox]) -> bool:
    """Whether any phone box (x1, y1, x2, y2) has its centre near an ear of any face."""
    for x1, y1, x2, y2 in boxes:
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
        for face in faces:
            for ear in (EAR_L, EAR_R):
                ex, ey = face.keypoints[ear]
                if abs(cx - ex) < ACROSS * face.size and abs(cy - ey) < ALONG * face.size:
                    return True
    return False


def beside_face(items: Sequence[Item], detector: FaceDetector | None = None) -> list[Item]:
    """The items with a phone beside a face (faces at 0.5, so profiles count)."""
    detector = detector or FaceDetector(num_threads=2, min_score=0.5)
    found = []
    for item in items:
        if not len(item.boxes):
            continue
        if phone_beside_face(item.boxes, detector.detect(read(item.image))):
            found.append(item)
    return found
