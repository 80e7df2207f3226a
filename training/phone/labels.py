"""YOLO label files: one row per box, ``class cx cy w h`` with the centre and size as shares of
the image's width and height."""

from __future__ import annotations

from proctor.vision.types import Box


def yolo_rows(text: str) -> list[list[str]]:
    """The rows of a YOLO label file: class, centre x, centre y, width, height (0-1)."""
    return [r.split() for r in text.splitlines() if r.strip()]


def yolo_boxes(rows: list[list[str]], w: float, h: float) -> list[Box]:
    """YOLO rows as x1 y1 x2 y2 boxes in the pixels of a ``w`` x ``h`` image."""
    return [
        (
            (float(cx) - float(bw) / 2) * w,
            (float(cy) - float(bh) / 2) * h,
            (float(cx) + float(bw) / 2) * w,
            (float(cy) + float(bh) / 2) * h,
        )
        for _, cx, cy, bw, bh in rows
    ]
