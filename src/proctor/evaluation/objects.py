"""Object scoring: image-level labels (``manifest.csv``) and box-level phones (``phones.csv``).

Image level: an image is predicted to show a label when the detector returns at least one box
of it (``monitor`` counts as the manifest's ``monitor_tv``); ``extra_person`` is predicted when
there are two or more ``person`` boxes. Box level (``phones/phones.csv``): a labelled phone is
found when a predicted ``cell_phone`` box overlaps it with IoU >= 0.25 or has its centre inside
it; false alarms are the phone-free images of the manifest with any ``cell_phone`` box.

Run ``python -m proctor.evaluation.objects EVALSET_DIR [--detector NAME] [--sweep]`` to print
the scores of a detector (the settings' one by default).
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from proctor.evaluation.faces import ManifestRow, read_manifest
from proctor.vision.types import Box, Detection

MANIFEST_LABELS: tuple[str, ...] = ("cell_phone", "book", "laptop", "monitor_tv", "extra_person")
PRODUCT_TO_MANIFEST: dict[str, str] = {
    "cell_phone": "cell_phone",
    "book": "book",
    "laptop": "laptop",
    "monitor": "monitor_tv",
}
PHONE_IOU = 0.25


@dataclass(slots=True)
class LabelScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    false_positives: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def image_labels(detections: Iterable[Detection], *, extra_person_min: int = 2) -> set[str]:
    """Manifest labels one image's detections amount to."""
    dets = list(detections)
    labels = {PRODUCT_TO_MANIFEST[d.label] for d in dets if d.label in PRODUCT_TO_MANIFEST}
    if sum(d.label == "person" for d in dets) >= extra_person_min:
        labels.add("extra_person")
    return labels


def score_image_labels(
    predicted: Mapping[str, set[str]],
    rows: Sequence[ManifestRow],
    labels: Sequence[str] = MANIFEST_LABELS,
) -> dict[str, LabelScore]:
    """Per-label image-level counts over the manifest rows (files missing from ``predicted``
    count as predicting nothing)."""
    scores = {label: LabelScore() for label in labels}
    for row in rows:
        got = predicted.get(row.file, set())
        for label, score in scores.items():
            truth, pred = label in row.objects, label in got
            if truth and pred:
                score.tp += 1
            elif pred:
                score.fp += 1
                score.false_positives.append(row.file)
            elif truth:
                score.fn += 1
                score.misses.append(row.file)
    return scores


@dataclass(frozen=True, slots=True)
class PhoneRow:
    file: str
    boxes: tuple[Box, ...]


def read_phone_boxes(path: Path) -> list[PhoneRow]:
    """Rows of ``phones.csv`` (``path`` may be the CSV or its directory)."""
    if path.is_dir():
        path = path / "phones.csv"
    rows = []
    with path.open(newline="", encoding="utf-8") as f:
        for raw in csv.DictReader(f):
            boxes = []
            for part in raw["boxes"].split(";"):
                values = [float(v) for v in part.split()]
                if len(values) == 4:
                    boxes.append((values[0], values[1], values[2], values[3]))
            rows.append(PhoneRow(raw["file"], tuple(boxes)))
    return rows


def phone_found(predicted: Sequence[Box], truth: Box, iou_min: float = PHONE_IOU) -> bool:
    """Whether any predicted box matches the labelled phone ``truth``."""
    tx1, ty1, tx2, ty2 = truth
    t_area = (tx2 - tx1) * (ty2 - ty1)
    for x1, y1, x2, y2 in predicted:
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
        if tx1 <= cx <= tx2 and ty1 <= cy <= ty2:
            return True
        iw, ih = min(x2, tx2) - max(x1, tx1), min(y2, ty2) - max(y1, ty1)
        inter = max(iw, 0.0) * max(ih, 0.0)
        union = (x2 - x1) * (y2 - y1) + t_area - inter
        if union > 0 and inter / union >= iou_min:
            return True
    return False


@dataclass(slots=True)
class PhoneScore:
    found: int = 0
    total: int = 0
    false_alarms: int = 0
    phone_free: int = 0
    missed_files: list[str] = field(default_factory=list)
    false_alarm_files: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.total if self.total else 0.0

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / self.phone_free if self.phone_free else 0.0


def score_phones(
    phone_boxes: Mapping[str, Sequence[Box]],
    phone_rows: Sequence[PhoneRow],
    manifest_labels: Mapping[str, set[str]],
    manifest_rows: Sequence[ManifestRow],
) -> PhoneScore:
    """Box-level recall on the phone frames and the false-alarm rate on phone-free images.

    ``phone_boxes``: predicted ``cell_phone`` boxes per phone frame; ``manifest_labels``: the
    predicted image labels per manifest image.
    """
    score = PhoneScore()
    for row in phone_rows:
        predicted = phone_boxes.get(row.file, ())
        for truth in row.boxes:
            score.total += 1
            if phone_found(predicted, truth):
                score.found += 1
            elif row.file not in score.missed_files:
                score.missed_files.append(row.file)
    for mrow in manifest_rows:
        if "cell_phone" in mrow.objects:
            continue
        score.phone_free += 1
        if "cell_phone" in manifest_labels.get(mrow.file, set()):
            score.false_alarms += 1
            score.false_alarm_files.append(mrow.file)
    return score


# ---- running a detector over an evaluation set -----------------------------------------------

Detect = Callable[[np.ndarray], list[Detection]]


def above(detections: Iterable[Detection], thresholds: Mapping[str, float]) -> list[Detection]:
    return [d for d in detections if d.score >= thresholds.get(d.label, 1.01)]


def run_images(detect: Detect, directory: Path, files: Iterable[str]) -> dict[str, list[Detection]]:
    import cv2

    out = {}
    for name in files:
        image = cv2.imread(str(directory / name), cv2.IMREAD_COLOR)
        if image is None:
            raise ValueError(f"cannot read {directory / name}")
        out[name] = detect(image)
    return out


def format_scores(scores: Mapping[str, LabelScore]) -> str:
    lines = [f"{'label':<13} {'P':>5} {'R':>5} {'F1':>5}   tp fp fn"]
    for label, s in scores.items():
        counts = f"{s.tp:3d} {s.fp:2d} {s.fn:2d}"
        lines.append(f"{label:<13} {s.precision:5.2f} {s.recall:5.2f} {s.f1:5.2f}  {counts}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    from proctor.config import Settings
    from proctor.vision.detectors.base import create

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("evalset", type=Path)
    parser.add_argument("--detector", help="registry name (default: the settings' one)")
    parser.add_argument("--model", type=Path, help="model file for ONNX plugin detectors")
    parser.add_argument("--second-look", action="store_true", help="CenterNet's second look")
    parser.add_argument("--sweep", action="store_true", help="also print P/R per threshold")
    args = parser.parse_args(argv)

    overrides: dict[str, object] = {}
    if args.detector:
        overrides["object_model"] = args.detector
    if args.model:
        overrides["object_model_path"] = args.model
    if args.second_look:
        overrides["object_second_look"] = True
    detector = create(Settings(**overrides))  # type: ignore[arg-type]
    tuned: dict[str, float] = dict(getattr(detector, "thresholds", {}))
    floor = 0.05
    # Run once at a low threshold; NMS keeps the best box first, so filtering afterwards gives
    # exactly what each higher threshold would.
    detector.thresholds = {label: floor for label in tuned}  # type: ignore[attr-defined]
    manifest = read_manifest(args.evalset / "manifest.csv")
    raw = run_images(detector.detect, args.evalset / "images", [r.file for r in manifest])
    phone_rows = read_phone_boxes(args.evalset / "phones" / "phones.csv")
    phone_raw = run_images(
        detector.detect, args.evalset / "phones" / "images", [r.file for r in phone_rows]
    )

    def evaluate(th: Mapping[str, float]) -> tuple[dict[str, LabelScore], PhoneScore]:
        labels = {f: image_labels(above(d, th)) for f, d in raw.items()}
        boxes = {
            f: [d.box for d in above(d, th) if d.label == "cell_phone"]
            for f, d in phone_raw.items()
        }
        return score_image_labels(labels, manifest), score_phones(
            boxes, phone_rows, labels, manifest
        )

    scores, phones = evaluate(tuned)
    print(f"detector {detector.name}, thresholds {tuned}")
    print(format_scores(scores))
    print(
        f"phones (box level): recall {phones.recall:.2f} ({phones.found}/{phones.total}), "
        f"false alarms {phones.false_alarm_rate:.2f} ({phones.false_alarms}/{phones.phone_free})"
    )
    for label, s in scores.items():
        if s.false_positives or s.misses:
            print(f"  {label}: false positives {s.false_positives}; misses {s.misses}")
    if args.sweep:
        print("\nthreshold sweep (image-level P/R; phones: box recall / false alarms)")
        for t in (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5):
            sc, ph = evaluate({label: t for label in tuned})
            cells = " ".join(f"{lab}={s.precision:.2f}/{s.recall:.2f}" for lab, s in sc.items())
            print(f"{t:.2f}: {cells} phones={ph.recall:.2f}/{ph.false_alarm_rate:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
