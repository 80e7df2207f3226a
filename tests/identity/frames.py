"""Real faces from the evaluation set's clips, as the JPEGs a candidate's page sends."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

MAN = "webcam_gaze_center_focus.mp4"  # one man at a webcam: the enrolled candidate
MAN_LATER = "webcam_gaze_center_right_center.mp4"  # the same man in another recording
WOMAN = "webcam_woman_thumbsup.mp4"  # someone else at a webcam


def clip_frame(evalset: Path, clip: str, index: int = 0) -> np.ndarray:
    cap = cv2.VideoCapture(str(evalset / "videos" / clip))
    cap.set(cv2.CAP_PROP_POS_FRAMES, index)
    ok, frame = cap.read()
    cap.release()
    assert ok, f"cannot read frame {index} of {clip}"
    return frame


def jpeg(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return bytes(data.tobytes())
