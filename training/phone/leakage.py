"""Near-copy detection by perceptual hash (DCT pHash, 64 bits), with OpenCV only.

The dataset's export put augmented copies of one photo (flipped, re-toned, re-cropped a little)
into several splits, so a training image may be a near copy of an evaluation image. Each image
is hashed as it is and mirrored; two images are near copies when any pair of hashes is within
``NEAR`` bits.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import cv2
import numpy as np

NEAR = 12  # bits of 64: measured, train-to-dev distances run on evenly to 14, then jump (16-22)


def phash(image: np.ndarray) -> int:
    """64-bit DCT hash of a BGR or grey image."""
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    small = cv2.resize(grey, (32, 32), interpolation=cv2.INTER_AREA).astype(np.float32)
    low = cv2.dct(small)[:8, :8].flatten()
    bits = low > np.median(low[1:])
    return int("".join("1" if b else "0" for b in bits), 2)


def hashes(image: np.ndarray) -> tuple[int, int]:
    """The hash of the image and of its mirror image."""
    return phash(image), phash(cv2.flip(image, 1))


def distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def read_hashes(paths: Iterable[Path]) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for path in paths:
        image = cv2.imread(str(path))
        if image is None:
            raise ValueError(f"{path}: not a readable image")
        out[path.name] = hashes(image)
    return out


def nearest(h: tuple[int, int], others: dict[str, tuple[int, int]]) -> tuple[str, int]:
    """The closest of ``others`` to ``h`` (mirror-aware) and its distance in bits."""
    best, best_d = "", 65
    for name, (o, om) in others.items():
        d = min(distance(h[0], o), distance(h[0], om), distance(h[1], o))
        if d < best_d:
            best, best_d = name, d
    return best, best_d
