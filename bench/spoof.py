"""Human's antispoof and liveness models on real faces and on recaptures of the same faces:
median scores, ROC AUC, and at a 0.5 threshold the share of each set called a spoof.

Real: the evaluation set's photos with one usable face, and frames of its webcam clips.
Attacks (made here, since no real presentation-attack data is at hand): each real image shown
on a simulated screen and re-photographed (moire, lower contrast, a bezel, a slight tilt, JPEG),
and as a simulated print (washed-out colours, paper grain, glare, a white border, a tilt).
Simulated recaptures are not real attacks: the figures bound what can be claimed, no more.

    python -m bench.spoof [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np

from proctor.identity.faces import FaceFinder
from proctor.identity.spoof import SpoofModels

ROOT = Path(__file__).resolve().parents[1]
EVALSET = Path(os.environ.get("PROCTOR_EVALSET", ROOT.parent / "shared" / "evalset"))
CLIPS = (
    "webcam_gaze_center_focus.mp4",
    "webcam_gaze_center_right_center.mp4",
    "webcam_woman_thumbsup.mp4",
)
MIN_FACE = 90
RNG_SEED = 7


def real_images() -> Iterator[tuple[str, np.ndarray]]:
    for path in sorted((EVALSET / "images").glob("*.jpg")):
        image = cv2.imread(str(path))
        if image is not None:
            yield path.name, image
    for clip in CLIPS:
        cap = cv2.VideoCapture(str(EVALSET / "videos" / clip))
        index = 0
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            if index % 30 == 0:
                yield f"{clip}@{index}", frame
            index += 1
        cap.release()


def _tilt(image: np.ndarray, rng: np.random.Generator, background: int) -> np.ndarray:
    h, w = image.shape[:2]
    d = 0.06 * min(h, w)
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    dst = src + rng.uniform(-d, d, size=(4, 2)).astype(np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    return cv2.warpPerspective(image, matrix, (w, h), borderValue=(background,) * 3)


def _jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    decoded = cv2.imdecode(data, cv2.IMREAD_COLOR)
    assert ok and decoded is not None
    return np.asarray(decoded)


def screen(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The image on a display, photographed by a webcam."""
    h, w = image.shape[:2]
    shown = cv2.resize(image, (int(w * 0.8), int(h * 0.8)), interpolation=cv2.INTER_AREA)
    sh, sw = shown.shape[:2]
    yy, xx = np.mgrid[0:sh, 0:sw]
    moire = 1 + 0.07 * np.sin(2 * np.pi * (xx / 3.3 + yy / 17.0))
    shown = np.clip((shown.astype(np.float32) * 0.8 + 30) * moire[..., None], 0, 255)
    frame = np.full((h, w, 3), 20, np.float32)  # the bezel and the room behind
    top, left = (h - sh) // 2, (w - sw) // 2
    frame[top : top + sh, left : left + sw] = shown
    blurred = np.asarray(cv2.GaussianBlur(frame, (0, 0), 0.8))
    return _jpeg(_tilt(blurred.astype(np.uint8), rng, 20), 75)


def printed(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The image printed on paper, held up to a webcam."""
    h, w = image.shape[:2]
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)[..., None].astype(np.float32)
    paper = 0.6 * image.astype(np.float32) + 0.4 * grey  # washed-out colours
    paper = paper * 0.75 + 50 + rng.normal(0, 6, size=paper.shape)  # ink on paper, grain
    yy, xx = np.mgrid[0:h, 0:w]
    glare = 40 * np.exp(-(((xx - 0.7 * w) / (0.3 * w)) ** 2 + ((yy - 0.3 * h) / (0.3 * h)) ** 2))
    paper = np.clip(paper + glare[..., None], 0, 255).astype(np.uint8)
    inner = cv2.resize(paper, (int(w * 0.85), int(h * 0.85)), interpolation=cv2.INTER_AREA)
    sheet = np.full((h, w, 3), 235, np.uint8)
    top, left = (h - inner.shape[0]) // 2, (w - inner.shape[1]) // 2
    sheet[top : top + inner.shape[0], left : left + inner.shape[1]] = inner
    return _jpeg(_tilt(sheet, rng, 90), 80)


ATTACKS: dict[str, Callable[[np.ndarray, np.random.Generator], np.ndarray]] = {
    "screen": screen,
    "print": printed,
}


def auc(positives: list[float], negatives: list[float]) -> float:
    """P(a positive scores above a negative), ties counted half."""
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / max(1, len(positives) * len(negatives))


def run() -> dict[str, object]:
    finder, models = FaceFinder(), SpoofModels.load()
    rng = np.random.default_rng(RNG_SEED)
    scores: dict[str, dict[str, list[float]]] = {}

    def add(kind: str, image: np.ndarray) -> None:
        face = finder.primary(image)
        if face is None or face.size < MIN_FACE:
            return
        for name, value in models.scores(image, face).items():
            scores.setdefault(name, {}).setdefault(kind, []).append(value)

    for _, image in real_images():
        before = len(scores.get("antispoof", {}).get("real", []))
        add("real", image)
        if len(scores.get("antispoof", {}).get("real", [])) == before:
            continue  # no usable face: no attack made of it either
        for kind, attack in ATTACKS.items():
            add(kind, attack(image, rng))
    result: dict[str, object] = {}
    for name, by_kind in scores.items():
        real = by_kind["real"]
        rows = {}
        for kind, values in by_kind.items():
            rows[kind] = {
                "n": len(values),
                "median": round(statistics.median(values), 3),
                "called_spoof_at_0.5": round(sum(v < 0.5 for v in values) / len(values), 3),
            }
            if kind != "real":
                rows[kind]["auc_real_vs_this"] = round(auc(real, values), 3)
        result[name] = rows
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = run()
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
