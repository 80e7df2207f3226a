"""Test frames made from real evaluation-set photos."""

from __future__ import annotations

from pathlib import Path

import cv2

from proctor.loadtest.frames import to_webcam_jpeg
from tests.conftest import decode_bgr, read_bgr

MAIN = "images/single_webcam_woman_dark.jpg"
DONOR = "images/single_obama_pressroom.jpg"
DONOR_HEAD = (slice(0, 360), slice(137, 513))  # head and shoulders around the face


def background_face_frame(evalset: Path, width: int = 90) -> bytes:
    """A 640x480 webcam frame of one candidate with a second, small face (about 45 px) in the
    top right corner: one only the full-range face model sees."""
    frame = decode_bgr(to_webcam_jpeg((evalset / MAIN).read_bytes()))
    head = read_bgr(evalset / DONOR)[DONOR_HEAD]
    height = round(width * head.shape[0] / head.shape[1])
    small = cv2.resize(head, (width, height), interpolation=cv2.INTER_AREA)
    x0, y0 = frame.shape[1] - width - 20, 70
    frame[y0 : y0 + height, x0 : x0 + width] = small
    ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 70])
    assert ok
    return bytes(data.tobytes())
