"""The frames simulated candidates send: real photos, resized to the webcam size, in a cycle of
one-face and no-face stretches long enough for the rules to start and end face events."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

FRAME_SIZE = (640, 480)
JPEG_QUALITY = 70  # what the browser sends (jpeg_quality 0.7)
# At 1 fps a no-face stretch of 4 frames starts an event (0.8 s debounce) and 4 face frames
# end it again (2 s clear).
STRETCH = 4
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


def default_frames_dir() -> Path | None:
    """``$PROCTOR_EVALSET/images``, else ``../shared/evalset/images`` when it exists."""
    base = os.environ.get("PROCTOR_EVALSET")
    for candidate in ([Path(base)] if base else []) + [Path("../shared/evalset")]:
        if (candidate / "images").is_dir():
            return candidate / "images"
    return None


def to_webcam_jpeg(data: bytes, size: tuple[int, int] = FRAME_SIZE) -> bytes:
    """``data`` letterboxed into ``size`` (aspect kept) and encoded as a JPEG."""
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError("not a readable image")
    w, h = size
    scale = min(w / image.shape[1], h / image.shape[0])
    resized = cv2.resize(image, (round(image.shape[1] * scale), round(image.shape[0] * scale)))
    canvas = np.full((h, w, 3), 40, np.uint8)
    y, x = (h - resized.shape[0]) // 2, (w - resized.shape[1]) // 2
    canvas[y : y + resized.shape[0], x : x + resized.shape[1]] = resized
    ok, encoded = cv2.imencode(".jpg", canvas, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return bytes(encoded.tobytes())


@dataclass(frozen=True)
class FrameSet:
    face: list[bytes]
    no_face: list[bytes]

    def cycle(self) -> list[bytes]:
        """One period: a stretch of one-face frames, then a stretch of no-face frames."""
        face = [self.face[i % len(self.face)] for i in range(STRETCH)]
        no_face = [self.no_face[i % len(self.no_face)] for i in range(STRETCH)]
        return face + no_face

    def frame(self, n: int, phase: int = 0) -> bytes:
        period = self.cycle()
        return period[(n + phase) % len(period)]


def _by_manifest(directory: Path) -> tuple[list[str], list[str]] | None:
    manifest = directory.parent / "manifest.csv"
    if not manifest.is_file():
        return None
    face, no_face = [], []
    with manifest.open(newline="") as f:
        for row in csv.DictReader(f):
            if not (directory / row["file"]).is_file():
                continue
            clean = not row.get("objects") and row.get("looking_away", "false") == "false"
            if row.get("faces") == "1" and clean:
                face.append(row["file"])
            elif row.get("faces") == "0":
                no_face.append(row["file"])
    return (face, no_face) if face and no_face else None


def load_frames(directory: Path, limit: int = 6) -> FrameSet:
    """Up to ``limit`` one-face and no-face images; without a manifest (``faces`` column), the
    images alternate between the two stretches in name order."""
    split = _by_manifest(directory)
    if split is None:
        names = sorted(p.name for p in directory.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if len(names) < 2:
            raise ValueError(f"{directory}: at least two images are needed")
        split = (names[0::2], names[1::2])
    face, no_face = (
        [to_webcam_jpeg((directory / n).read_bytes()) for n in part[:limit]] for part in split
    )
    return FrameSet(face, no_face)
