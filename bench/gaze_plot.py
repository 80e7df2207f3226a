"""A plot of gaze over time on a clip, with the looking-away thresholds drawn (OpenCV only).

Runs what ``proctor analyze --json --fps 4 CLIP`` runs (calibration on the first seconds, then
every frame judged against that neutral) and draws the eyes' offset from the neutral gaze in
degrees, sideways and vertically, with the thresholds (sideways ±``gaze_threshold_deg``, down
``gaze_down_threshold_deg``), the frames judged looking away, and the labelled glance when one
is given. The README's Accuracy section shows its output for the dev clip:

    python -m bench.gaze_plot ../shared/evalset/videos/webcam_gaze_center_right_center.mp4 \
        --glance 5 10 --out docs/images/gaze_center_right_center.png
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from proctor.config import Settings, get_settings
from proctor.vision.attention import Calibrator
from proctor.vision.calibrated import judged_frames
from proctor.vision.detectors.base import create
from proctor.vision.pipeline import Pipeline
from proctor.vision.video import sample_frames

WIDTH, HEIGHT = 960, 440
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 44, 56
Y_RANGE = (-30.0, 30.0)
BLUE, ORANGE, RED, GREY = (180, 100, 30), (20, 130, 240), (40, 40, 200), (150, 150, 150)
INK, GRID, SHADE = (40, 40, 40), (225, 225, 225), (215, 240, 215)
FONT = cv2.FONT_HERSHEY_SIMPLEX


@dataclass(frozen=True, slots=True)
class Sample:
    t: float
    horizontal: float | None  # degrees off the neutral gaze
    vertical: float | None
    away: bool


def measure(clip: Path, settings: Settings, fps: float) -> list[Sample]:
    faces_only = settings.model_copy(update={"object_model": "none"})
    pipeline = Pipeline(faces_only, object_detector=create(faces_only))
    calibrator = Calibrator.from_settings(settings)
    out = []
    for frame, obs in judged_frames(pipeline, sample_frames(clip, fps), calibrator, 0):
        h, v = obs.gaze_offset_deg if obs.gaze_offset_deg is not None else (None, None)
        out.append(Sample(frame.t, h, v, obs.looking_away is True))
    return out


class Axes:
    """Data to pixel coordinates on the canvas."""

    def __init__(self, t_max: float) -> None:
        self.t_max = t_max

    def x(self, t: float) -> int:
        return round(LEFT + (WIDTH - LEFT - RIGHT) * t / self.t_max)

    def y(self, deg: float) -> int:
        low, high = Y_RANGE
        deg = min(max(deg, low), high)
        return round(TOP + (HEIGHT - TOP - BOTTOM) * (high - deg) / (high - low))


def _text(img: np.ndarray, text: str, at: tuple[int, int], color: tuple[int, int, int]) -> None:
    cv2.putText(img, text, at, FONT, 0.45, color, 1, cv2.LINE_AA)


def _dashed(img: np.ndarray, y: int, x0: int, x1: int, color: tuple[int, int, int]) -> None:
    for x in range(x0, x1, 12):
        cv2.line(img, (x, y), (min(x + 7, x1), y), color, 1, cv2.LINE_AA)


def _curve(
    img: np.ndarray, points: list[tuple[int, int] | None], color: tuple[int, int, int]
) -> None:
    run: list[tuple[int, int]] = []
    for p in [*points, None]:
        if p is not None:
            run.append(p)
            continue
        if len(run) > 1:
            cv2.polylines(img, [np.array(run, dtype=np.int32)], False, color, 2, cv2.LINE_AA)
        run = []


def draw(
    samples: list[Sample], settings: Settings, title: str, glance: tuple[float, float] | None
) -> np.ndarray:
    img = np.full((HEIGHT, WIDTH, 3), 255, dtype=np.uint8)
    t_max = max(1.0, max(s.t for s in samples))
    ax = Axes(t_max)
    x0, x1 = ax.x(0.0), ax.x(t_max)
    if glance is not None:
        cv2.rectangle(img, (ax.x(glance[0]), TOP), (ax.x(glance[1]), ax.y(Y_RANGE[0])), SHADE, -1)
        _text(img, "labelled glance", (ax.x(glance[0]) + 4, TOP + 14), (60, 120, 60))
    for deg in range(int(Y_RANGE[0]), int(Y_RANGE[1]) + 1, 10):
        cv2.line(img, (x0, ax.y(deg)), (x1, ax.y(deg)), GRID, 1)
        _text(img, f"{deg:+d}" if deg else "0", (LEFT - 36, ax.y(deg) + 5), INK)
    for t in range(0, int(t_max) + 1, 1):
        cv2.line(img, (ax.x(t), ax.y(Y_RANGE[0])), (ax.x(t), ax.y(Y_RANGE[0]) + 4), INK, 1)
        if t % 2 == 0:
            _text(img, f"{t}", (ax.x(t) - 5, ax.y(Y_RANGE[0]) + 20), INK)
    cv2.line(img, (x0, ax.y(0)), (x1, ax.y(0)), GREY, 1)
    side, down = settings.gaze_threshold_deg, settings.gaze_down_threshold_deg  # calibrated
    for limit in (side, -side):
        _dashed(img, ax.y(limit), x0, x1, BLUE)
    _dashed(img, ax.y(-down), x0, x1, ORANGE)
    _text(img, f"sideways threshold +/-{side:g} deg", (x1 - 250, ax.y(side) - 6), BLUE)
    _text(img, f"down threshold -{down:g} deg", (x1 - 200, ax.y(-down) + 16), ORANGE)
    _curve(
        img,
        [None if s.vertical is None else (ax.x(s.t), ax.y(s.vertical)) for s in samples],
        ORANGE,
    )
    _curve(
        img,
        [None if s.horizontal is None else (ax.x(s.t), ax.y(s.horizontal)) for s in samples],
        BLUE,
    )
    for s in samples:
        if s.away:
            cv2.circle(img, (ax.x(s.t), TOP - 8), 3, RED, -1, cv2.LINE_AA)
    cv2.rectangle(img, (x0, TOP), (x1, ax.y(Y_RANGE[0])), INK, 1)
    _text(img, title, (LEFT, 18), INK)
    _text(img, "red: frames judged looking away", (x1 - 250, 18), RED)
    legend_y = HEIGHT - 12
    _text(img, "gaze off the calibrated neutral, degrees:", (LEFT, legend_y), INK)
    _text(img, "sideways", (LEFT + 330, legend_y), BLUE)
    _text(img, "vertical (up +)", (LEFT + 410, legend_y), ORANGE)
    _text(img, "video time, s", (x1 - 110, legend_y), INK)
    return img


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("clip", type=Path)
    parser.add_argument("--out", type=Path, required=True, help="PNG file to write")
    parser.add_argument("--fps", type=float, default=4.0)
    parser.add_argument("--glance", type=float, nargs=2, metavar=("FROM", "TO"), default=None)
    args = parser.parse_args(argv)
    settings = get_settings()
    samples = measure(args.clip, settings, args.fps)
    glance = (args.glance[0], args.glance[1]) if args.glance else None
    title = f"{args.clip.name}: proctor analyze --json --fps {args.fps:g}"
    image = draw(samples, settings, title, glance)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(args.out), image, [cv2.IMWRITE_PNG_COMPRESSION, 9]):
        raise SystemExit(f"cannot write {args.out}")
    away = sum(s.away for s in samples)
    print(f"{args.out}: {len(samples)} frames, {away} judged looking away")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
