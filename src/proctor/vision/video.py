"""Reading video files as timed frames, sampled at a chosen rate of video time."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

VIDEO_SUFFIXES = frozenset(
    {".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv", ".flv", ".y4m"}
)


class VideoError(ValueError):
    """A file that cannot be read as a video."""


@dataclass(frozen=True, slots=True)
class VideoInfo:
    fps: float
    frame_count: int
    width: int
    height: int

    @property
    def duration(self) -> float:
        return self.frame_count / self.fps if self.fps > 0 else 0.0

    def samples(self, fps: float) -> int:
        """How many frames ``sample_frames`` yields at ``fps`` (an estimate for progress)."""
        if self.fps <= 0 or self.frame_count <= 0:
            return 0
        step = max(1.0, self.fps / fps)
        return math.ceil(self.frame_count / step)


@dataclass(frozen=True, slots=True, eq=False)
class VideoFrame:
    index: int  # frame number in the file
    t: float  # seconds of video time
    image: np.ndarray  # BGR


def _open(path: Path) -> cv2.VideoCapture:
    if not path.is_file():
        raise VideoError(f"{path}: no such file")
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        capture.release()
        raise VideoError(f"{path}: not a readable video")
    return capture


def video_info(path: Path) -> VideoInfo:
    capture = _open(path)
    try:
        return VideoInfo(
            fps=float(capture.get(cv2.CAP_PROP_FPS) or 0.0),
            frame_count=int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0),
            width=int(capture.get(cv2.CAP_PROP_FRAME_WIDTH) or 0),
            height=int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT) or 0),
        )
    finally:
        capture.release()


def sample_frames(path: Path, fps: float) -> Iterator[VideoFrame]:
    """Frames at ``fps`` per second of video time, starting with the first frame.

    Every frame is grabbed (demuxed and decoded, as codecs require) but only sampled frames are
    converted to BGR images. Raises VideoError when the file yields no frame at all.
    """
    if fps <= 0:
        raise ValueError("fps must be positive")
    capture = _open(path)
    try:
        native = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
        interval = 1.0 / fps
        next_t = 0.0
        index = -1
        while capture.grab():
            index += 1
            t = index / native if native > 0 else capture.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
            # Half a native frame of tolerance keeps exact multiples from slipping a frame.
            slack = 0.5 / native if native > 0 else 1e-6
            if t + slack < next_t:
                continue
            ok, image = capture.retrieve()
            if not ok or image is None:
                continue
            yield VideoFrame(index=index, t=t, image=image)
            next_t += interval * max(1, math.floor((t + slack - next_t) / interval) + 1)
        if index < 0:
            raise VideoError(f"{path}: the video has no readable frames")
    finally:
        capture.release()
