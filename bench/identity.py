"""Identity models on the dev set: ROC, true-accept rate at low false-accept rates, threshold,
time per image; and the webcam case (frames of one clip against an enrolment frame of another).

The dev set is listed in ``tests/identity/devset.csv`` (source repository, commit, path,
SHA-256, identity, licence); the images live outside the repository, in ``--data``
(``PROCTOR_IDENTITY_DEVSET``). Usage:

    python -m bench.identity --assemble --data DIR --clone OWNER/NAME=GIT_DIR ...
    python -m bench.identity --data DIR [--png docs/identity_roc.png] [--json out.json]

``--assemble`` writes the manifest's files into DIR from local clones of its repositories
(``git show COMMIT:PATH``) and checks each one's SHA-256.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import itertools
import json
import os
import statistics
import subprocess
import time
from pathlib import Path

import cv2
import numpy as np

from proctor.identity.embedders import Embedder, cosine
from proctor.identity.faces import FaceFinder
from proctor.identity.verify import build_embedder, read_image

ROOT = Path(__file__).resolve().parents[1]
DEVSET = ROOT / "tests" / "identity" / "devset.csv"
EVALSET = Path(os.environ.get("PROCTOR_EVALSET", ROOT.parent / "shared" / "evalset"))
FARS = (0.01, 0.001)
# (model label, face detector, embedder)
CONFIGS: tuple[tuple[str, str, str], ...] = (
    ("dlib ResNet, BlazeFace boxes", "blazeface", "dlib"),
    ("dlib ResNet, dlib HOG boxes", "dlib", "dlib"),
    ("Human faceres, BlazeFace boxes", "blazeface", "faceres"),
)
COLOURS = ((200, 80, 0), (0, 140, 0), (0, 0, 200))


def load_devset(data: Path) -> list[tuple[Path, str]]:
    with DEVSET.open() as f:
        return [(data / row["file"], row["identity"]) for row in csv.DictReader(f)]


def assemble(data: Path, clones: dict[str, Path]) -> None:
    data.mkdir(parents=True, exist_ok=True)
    with DEVSET.open() as f:
        for row in csv.DictReader(f):
            blob = subprocess.run(
                ["git", "-C", str(clones[row["repo"]]), "show", f"{row['commit']}:{row['path']}"],
                check=True,
                capture_output=True,
            ).stdout
            if hashlib.sha256(blob).hexdigest() != row["sha256"]:
                raise SystemExit(f"{row['repo']}:{row['path']} is not the file the manifest names")
            (data / row["file"]).write_bytes(blob)


def embed_all(
    images: list[np.ndarray], finder: FaceFinder, embedder: Embedder
) -> tuple[list[np.ndarray | None], list[float]]:
    vectors: list[np.ndarray | None] = []
    times: list[float] = []
    for image in images:
        start = time.perf_counter()
        face = finder.primary(image)
        vectors.append(None if face is None else embedder.embed(image, face))
        times.append((time.perf_counter() - start) * 1000)
    return vectors, times


def roc(same: np.ndarray, diff: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(threshold, false-accept rate, true-accept rate), thresholds descending."""
    thresholds = np.unique(np.concatenate([same, diff]))[::-1]
    far = np.array([(diff >= t).mean() for t in thresholds])
    tar = np.array([(same >= t).mean() for t in thresholds])
    return thresholds, far, tar


def at_far(same: np.ndarray, diff: np.ndarray, target: float) -> tuple[float, float]:
    """(threshold, true-accept rate) at the lowest threshold whose false-accept rate <= target."""
    thresholds, far, tar = roc(same, diff)
    ok = np.nonzero(far <= target)[0]
    i = ok[-1] if len(ok) else 0
    return float(thresholds[i]), float(tar[i])


def pair_scores(
    vectors: list[np.ndarray | None], labels: list[str]
) -> tuple[np.ndarray, np.ndarray, int]:
    same: list[float] = []
    diff: list[float] = []
    unusable = 0
    for (va, la), (vb, lb) in itertools.combinations(zip(vectors, labels, strict=True), 2):
        if va is None or vb is None:
            unusable += 1
            continue
        (same if la == lb else diff).append(cosine(va, vb))
    return np.array(same), np.array(diff), unusable


def clip_frames(path: Path, every: int) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    frames, i = [], 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        if i % every == 0:
            frames.append(frame)
        i += 1
    cap.release()
    return frames


def webcam_case(finder: FaceFinder, embedder: Embedder, threshold: float) -> dict[str, float | int]:
    """Enrolment: the first frame with a face of one clip; probes: frames of the other clip
    (the same man), and of a clip of a different person."""
    videos = EVALSET / "videos"
    enrol_clip = clip_frames(videos / "webcam_gaze_center_focus.mp4", 15)
    enrolment = next(
        embedder.embed(f, face) for f in enrol_clip if (face := finder.primary(f)) is not None
    )

    def scores(name: str) -> tuple[list[float], int]:
        out, missing = [], 0
        for frame in clip_frames(videos / name, 5):
            face = finder.primary(frame)
            if face is None:
                missing += 1
            else:
                out.append(cosine(enrolment, embedder.embed(frame, face)))
        return out, missing

    same, same_missing = scores("webcam_gaze_center_right_center.mp4")
    other, _ = scores("webcam_woman_thumbsup.mp4")
    return {
        "same_frames": len(same),
        "same_no_face": same_missing,
        "same_min": min(same),
        "same_median": statistics.median(same),
        "same_accepted": sum(s >= threshold for s in same) / len(same),
        "other_frames": len(other),
        "other_max": max(other),
        "other_accepted": sum(s >= threshold for s in other) / max(len(other), 1),
    }


def draw_roc(
    curves: list[tuple[str, np.ndarray, np.ndarray]], marks: list[tuple[float, float]], path: Path
) -> None:
    """ROC with a log false-accept axis (1e-4..1) and a linear true-accept axis (0.8..1)."""
    w, h, left, top, right, bottom = 760, 520, 70, 30, 20, 60
    img = np.full((h, w, 3), 255, np.uint8)
    pw, ph = w - left - right, h - top - bottom
    lo, hi, tar_lo = -4.0, 0.0, 0.8

    def xy(far: float, tar: float) -> tuple[int, int]:
        x = (np.log10(max(far, 10**lo)) - lo) / (hi - lo)
        y = (max(tar, tar_lo) - tar_lo) / (1 - tar_lo)
        return int(left + x * pw), int(top + (1 - y) * ph)

    font = cv2.FONT_HERSHEY_SIMPLEX
    for e in range(-4, 1):
        x, _ = xy(10.0**e, tar_lo)
        cv2.line(img, (x, top), (x, top + ph), (225, 225, 225), 1)
        cv2.putText(img, f"1e{e}" if e else "1", (x - 14, top + ph + 18), font, 0.45, (0, 0, 0))
    for t in (0.8, 0.85, 0.9, 0.95, 1.0):
        _, y = xy(1e-4, t)
        cv2.line(img, (left, y), (left + pw, y), (225, 225, 225), 1)
        cv2.putText(img, f"{t:.2f}", (left - 45, y + 5), font, 0.45, (0, 0, 0))
    cv2.rectangle(img, (left, top), (left + pw, top + ph), (0, 0, 0), 1)
    cv2.putText(img, "false-accept rate (log)", (left + pw // 2 - 90, h - 15), font, 0.5, (0, 0, 0))
    cv2.putText(img, "true-accept rate", (5, 18), font, 0.5, (0, 0, 0))
    for i, (label, far, tar) in enumerate(curves):
        colour = COLOURS[i % len(COLOURS)]
        points = np.array([xy(float(a), float(b)) for a, b in zip(far, tar, strict=True)])
        cv2.polylines(img, [points.reshape(-1, 1, 2)], False, colour, 2, cv2.LINE_AA)
        cv2.putText(img, label, (left + 10, top + ph - 12 - 20 * i), font, 0.5, colour, 1)
        mx, my = xy(*marks[i])
        cv2.circle(img, (mx, my), 6, colour, 2)
    cv2.putText(img, "o = chosen threshold", (left + pw - 180, top + 20), font, 0.45, (0, 0, 0))
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), img)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=os.environ.get("PROCTOR_IDENTITY_DEVSET"))
    parser.add_argument("--png", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--only", default=None, help="run only configs whose label has this")
    parser.add_argument("--assemble", action="store_true", help="write the dev set into --data")
    parser.add_argument("--clone", action="append", default=[], metavar="OWNER/NAME=GIT_DIR")
    args = parser.parse_args()
    if args.data is None:
        parser.error("--data (or PROCTOR_IDENTITY_DEVSET) is required")
    if args.assemble:
        assemble(Path(args.data), {k: Path(v) for k, v in (c.split("=", 1) for c in args.clone)})
        return 0
    entries = load_devset(args.data)
    images = [read_image(str(p)) for p, _ in entries]
    labels = [label for _, label in entries]
    print(f"dev set: {len(images)} images of {len(set(labels))} people")
    curves, marks, results = [], [], []
    from proctor.identity.verify import THRESHOLDS

    for label, detector, model in CONFIGS:
        if args.only and args.only not in label:
            continue
        finder, embedder = FaceFinder(detector), build_embedder(model)  # type: ignore[arg-type]
        embed_all(images[:2], finder, embedder)  # warm up
        vectors, times = embed_all(images, finder, embedder)
        same, diff, unusable = pair_scores(vectors, labels)
        threshold = THRESHOLDS[model]
        row: dict[str, object] = {
            "model": label,
            "no_face": sum(v is None for v in vectors),
            "same_pairs": len(same),
            "different_pairs": len(diff),
            "unusable_pairs": unusable,
            "ms_per_image_median": statistics.median(times),
            "threshold": threshold,
            "tar_at_threshold": float((same >= threshold).mean()),
            "far_at_threshold": float((diff >= threshold).mean()),
        }
        for far in FARS:
            t, tar = at_far(same, diff, far)
            row[f"tar_at_far_{far}"], row[f"threshold_at_far_{far}"] = tar, t
        row["webcam"] = webcam_case(finder, embedder, threshold)
        results.append(row)
        print(json.dumps(row, indent=1))
        _, far_curve, tar_curve = roc(same, diff)
        curves.append((label, far_curve, tar_curve))
        marks.append((row["far_at_threshold"], row["tar_at_threshold"]))
    if args.png:
        draw_roc(curves, marks, args.png)  # type: ignore[arg-type]
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
