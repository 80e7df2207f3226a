"""A quick dev check during training: box recall on the dev phone frames and phone false alarms
on the phone-free images of the dev manifest, at a few thresholds. The product's own
``proctor eval`` is the figure of record; this one only tracks progress."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import torch

from training.phone import loss, model
from training.phone.data import read
from training.phone.labels import yolo_boxes, yolo_rows

EVALSET = Path(
    os.environ.get("PROCTOR_EVALSET", Path(__file__).resolve().parents[3] / "shared" / "evalset")
)
THRESHOLDS = (0.1, 0.15, 0.2, 0.3, 0.4, 0.5)


def letterbox(image: np.ndarray) -> tuple[np.ndarray, float]:
    h, w = image.shape[:2]
    r = min(model.SIZE / h, model.SIZE / w)
    canvas = np.full((model.SIZE, model.SIZE, 3), 114, np.uint8)
    canvas[: round(h * r), : round(w * r)] = cv2.resize(image, (round(w * r), round(h * r)))
    return canvas, r


@torch.no_grad()
def phones(
    net: torch.nn.Module, image: np.ndarray, cache: tuple[torch.Tensor, ...]
) -> tuple[np.ndarray, np.ndarray]:
    canvas, r = letterbox(image)
    raw = net(torch.from_numpy(canvas).permute(2, 0, 1).float()[None])
    boxes = loss.decode(raw, *cache)[0] / r
    score = torch.sigmoid(raw[0, :, 4]) * torch.sigmoid(raw[0, :, loss.CLS])
    keep = score > min(THRESHOLDS)
    b, s = boxes[keep].numpy(), score[keep].numpy()
    kept = cv2.dnn.NMSBoxes(
        [[float(x1), float(y1), float(x2 - x1), float(y2 - y1)] for x1, y1, x2, y2 in b],
        s.tolist(),
        min(THRESHOLDS),
        0.45,
    )
    idx = np.array(kept).flatten().astype(int)
    return b[idx], s[idx]


def found(pred: np.ndarray, truth: np.ndarray) -> bool:
    if len(pred) == 0:
        return False
    iou = loss.pair_iou(torch.from_numpy(pred), torch.from_numpy(truth[None]))[:, 0].numpy()
    cx, cy = (pred[:, 0] + pred[:, 2]) / 2, (pred[:, 1] + pred[:, 3]) / 2
    inside = (cx >= truth[0]) & (cx <= truth[2]) & (cy >= truth[1]) & (cy <= truth[3])
    return bool(((iou >= 0.25) | inside).any())


def dev_recall(net: torch.nn.Module) -> dict[str, float]:
    net.eval()
    cache = loss.grids()
    hits = {t: 0 for t in THRESHOLDS}
    total = 0
    with (EVALSET / "phones" / "phones.csv").open() as f:
        for row in csv.DictReader(f):
            image = read(EVALSET / "phones" / "images" / row["file"])
            b, s = phones(net, image, cache)
            for box in row["boxes"].split(";"):
                truth = np.array([float(v) for v in box.split()], np.float32)
                total += 1
                for t in THRESHOLDS:
                    hits[t] += found(b[s >= t], truth)
    alarms = {t: 0 for t in THRESHOLDS}
    free = 0
    with (EVALSET / "manifest.csv").open() as f:
        for row in csv.DictReader(f):
            if "cell_phone" in row["objects"]:
                continue
            free += 1
            _, s = phones(net, read(EVALSET / "images" / row["file"]), cache)
            for t in THRESHOLDS:
                alarms[t] += bool((s >= t).any())
    net.train()
    out = {f"recall@{t}": round(hits[t] / total, 3) for t in THRESHOLDS}
    out.update({f"false_alarms@{t}": round(alarms[t] / free, 3) for t in THRESHOLDS})
    return out


def _recall_by_group(
    data: Path, groups: set[str], look: Callable[[np.ndarray], Callable[[np.ndarray], bool]]
) -> dict[str, tuple[int, int]]:
    """Phones found and phones per source group on the dataset's own frames of ``groups``;
    ``look(image)`` says, for each labelled box, whether it was found."""
    from proctor.evaluation.sources import source_group

    out: dict[str, list[int]] = {g: [0, 0] for g in sorted(groups)}
    for image_path in sorted((data / "images").iterdir()):
        group = source_group(image_path.name)
        if group not in groups:
            continue
        image = read(image_path)
        h, w = image.shape[:2]
        rows = yolo_rows((data / "labels" / (image_path.stem + ".txt")).read_text())
        is_found = look(image)
        for box in yolo_boxes(rows, w, h):
            out[group][1] += 1
            out[group][0] += is_found(np.array(box, np.float32))
    return {g: (f, n) for g, (f, n) in out.items()}


def group_recall(
    net: torch.nn.Module, data: Path, groups: set[str], threshold: float
) -> dict[str, tuple[int, int]]:
    """Box recall per source group on the dataset's own frames of ``groups`` (every frame of
    the training split in those groups, near copies of dev frames included): for a model that
    was trained with those groups left out, these are people and rooms it never saw."""
    cache = loss.grids()

    def look(image: np.ndarray) -> Callable[[np.ndarray], bool]:
        b, s = phones(net, image, cache)
        kept = b[s >= threshold]
        return lambda truth: found(kept, truth)

    net.eval()
    try:
        return _recall_by_group(data, groups, look)
    finally:
        net.train()


def group_recall_as_product(
    model_path: Path, data: Path, groups: set[str]
) -> dict[str, tuple[int, int]]:
    """``group_recall`` for an exported model run as the product runs it: beside CenterNet, at
    the default threshold, with its second look (``proctor.vision.detectors.phone``)."""
    from proctor.config import Settings
    from proctor.vision.detectors.base import create
    from proctor.vision.detectors.phone import PHONE

    detector = create(Settings(), model_path)

    def look(image: np.ndarray) -> Callable[[np.ndarray], bool]:
        boxes = np.array([d.box for d in detector.detect(image) if d.label == PHONE], np.float32)
        return lambda truth: found(boxes.reshape(-1, 4), truth)

    return _recall_by_group(data, groups, look)
