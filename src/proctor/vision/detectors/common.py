"""Pieces every ONNX object detector shares: sessions, label maps, thresholds, per-class NMS."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import onnxruntime as ort

from proctor.vision.types import Detection

if TYPE_CHECKING:
    from proctor.config import Settings

# COCO-80 class index (as the usual detectors number them) -> product label
COCO_PRODUCT_LABELS: dict[int, str] = {
    0: "person",
    62: "monitor",  # COCO "tv"
    63: "laptop",
    67: "cell_phone",
    73: "book",
}
PRODUCT_LABELS: frozenset[str] = frozenset(COCO_PRODUCT_LABELS.values())


def make_session(path: Path, threads: int) -> ort.InferenceSession:
    """An onnxruntime CPU session: ``threads`` intra-op threads, sequential, fully optimized."""
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3  # warnings about unused initializers are noise here
    # Idle pool threads would spin for a while after each run, burning a core that the other
    # analysis workers (or the face models) need; measured: no slower with it off.
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def load_label_map(path: Path | None) -> dict[int, str]:
    """Class id -> product label, from a JSON object file (``{"67": "cell_phone", ...}``).

    Without a file, COCO-80 numbering is assumed. Labels outside the product's set are refused,
    so a typo cannot silently turn a detector off.
    """
    if path is None:
        return dict(COCO_PRODUCT_LABELS)
    try:
        raw = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise ValueError(f"object label map {path}: cannot read it as JSON ({exc})") from None
    if not isinstance(raw, dict) or not raw:
        raise ValueError(f"object label map {path}: expected a JSON object of class id -> label")
    labels: dict[int, str] = {}
    for key, label in raw.items():
        if not str(key).isdigit() or label not in PRODUCT_LABELS:
            raise ValueError(
                f"object label map {path}: {key!r}: {label!r} is not a class id mapped to one of "
                f"{', '.join(sorted(PRODUCT_LABELS))}"
            )
        labels[int(key)] = label
    return labels


def thresholds_for(defaults: dict[str, float], settings: Settings) -> dict[str, float]:
    """The detector's tuned per-label score thresholds, overridden by the settings."""
    merged = dict(defaults)
    merged.update(settings.object_thresholds)
    unknown = set(merged) - PRODUCT_LABELS
    if unknown:
        raise ValueError(f"object thresholds for unknown labels: {', '.join(sorted(unknown))}")
    return merged


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU between every box of ``a`` (N, 4) and ``b`` (M, 4), boxes as x1, y1, x2, y2."""
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 2], b[None, :, 2])
    y2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-9), 0.0)


def nms_per_class(
    boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray, iou: float
) -> np.ndarray:
    """Indices kept by greedy NMS within each class, best score first."""
    order = np.argsort(-scores, kind="stable")
    keep: list[int] = []
    for cls in np.unique(classes):
        idx = order[classes[order] == cls]
        while idx.size:
            best = int(idx[0])
            keep.append(best)
            if idx.size == 1:
                break
            overlaps = iou_matrix(boxes[best : best + 1], boxes[idx[1:]])[0]
            idx = idx[1:][overlaps <= iou]
    return np.array(sorted(keep, key=lambda i: -scores[i]), dtype=np.int64)


def to_detections(
    boxes: np.ndarray,
    scores: np.ndarray,
    classes: np.ndarray,
    labels: dict[int, str],
    thresholds: dict[str, float],
    *,
    nms_iou: float,
    width: int,
    height: int,
) -> list[Detection]:
    """Keep mapped classes above their label's threshold, clip to the image, NMS per class."""
    if scores.size == 0:
        return []
    label_of = np.array([labels.get(int(c), "") for c in classes])
    limit = np.array([thresholds.get(lbl, 1.01) for lbl in label_of], dtype=np.float32)
    mask = (label_of != "") & (scores >= limit)
    boxes, scores, classes, label_of = boxes[mask], scores[mask], classes[mask], label_of[mask]
    boxes = np.clip(boxes, 0, [width, height, width, height]).astype(np.float32)
    valid = (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
    boxes, scores, classes, label_of = boxes[valid], scores[valid], classes[valid], label_of[valid]
    # NMS per product label (two source classes could map to one label)
    label_ids = np.unique(label_of, return_inverse=True)[1]
    keep = nms_per_class(boxes, scores, label_ids, nms_iou)
    return [
        Detection(
            str(label_of[i]),
            float(scores[i]),
            (float(boxes[i, 0]), float(boxes[i, 1]), float(boxes[i, 2]), float(boxes[i, 3])),
        )
        for i in keep
    ]
