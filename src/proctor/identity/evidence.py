"""The evidence of an identity mismatch: the enrolled face and the live face, side by side."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

SIDE = 240  # each face's square, pixels
MARGIN = 0.35  # face sizes of context around each face


def face_square(image_bgr: np.ndarray, box: Sequence[float]) -> np.ndarray:
    """The face and some context, resized to SIDE x SIDE (grey padding past the image)."""
    x1, y1, x2, y2 = box
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    half = max(x2 - x1, y2 - y1) * (0.5 + MARGIN)
    scale = SIDE / (2 * half)
    matrix = np.array([[scale, 0, SIDE / 2 - cx * scale], [0, scale, SIDE / 2 - cy * scale]])
    return cv2.warpAffine(
        image_bgr, matrix, (SIDE, SIDE), borderMode=cv2.BORDER_CONSTANT, borderValue=(90, 90, 90)
    )


def _label(tile: np.ndarray, text: str) -> np.ndarray:
    cv2.rectangle(tile, (0, SIDE - 26), (SIDE, SIDE), (0, 0, 0), -1)
    cv2.putText(tile, text, (8, SIDE - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (255, 255, 255), 1)
    return tile


def side_by_side(
    enrolled: bytes,
    enrolled_box: Sequence[float],
    live: bytes,
    live_box: Sequence[float],
    *,
    enrolled_label: str = "Enrolment",
    score: float | None = None,
) -> bytes | None:
    """One JPEG: the enrolled face on the left, the live one on the right; None when either
    image does not decode."""
    first = cv2.imdecode(np.frombuffer(enrolled, np.uint8), cv2.IMREAD_COLOR)
    second = cv2.imdecode(np.frombuffer(live, np.uint8), cv2.IMREAD_COLOR)
    if first is None or second is None:
        return None
    live_text = "Live" if score is None else f"Live: similarity {score:.2f}"
    tiles = [
        _label(face_square(first, enrolled_box), enrolled_label),
        _label(face_square(second, live_box), live_text),
    ]
    ok, data = cv2.imencode(".jpg", np.hstack(tiles), [cv2.IMWRITE_JPEG_QUALITY, 85])
    return bytes(data.tobytes()) if ok else None
