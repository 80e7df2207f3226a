"""Phones of people and rooms outside the phone-using set, as the product runs the phone model.

Two checks beside the dev frames, both of people the phone-using set does not hold:

- **The detection set** (``extra.csv``): one man at a laptop webcam holding a phone, a wallet or
  an AirPods case up to the lens. Recall on its phone boxes, and false alarms on its frames
  without a phone. A model that was not trained on it (``--extra`` left out of training) sees a
  person and room it never saw; a model trained on it has seen them, and the figure only shows
  what it learnt.
- **Drivers** (``bsaisoumith/Driver-Seatbelt-and-Mobile-Phone-detection-using-YOLOv5`` at
  ``542071df4c2d47e756bbb51e17c405c6ae1f28b5``, ``datasets/``: the Roboflow
  "seatbelt-cellphone-detection" set v2 by hcl-technologies-ltd, CC BY 4.0 as its data.yaml
  states; many of its photos carry stock-photo watermarks, so it is read for evaluation here and
  never trained on): people in cars with a phone at the ear (``calling``) or in the hand
  (``texting``); its boxes take in the hand, so a phone counts as found, as everywhere, with
  IoU >= 0.25 or its centre inside the box.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from proctor.config import Settings
from proctor.evaluation.objects import phone_found
from proctor.vision.detectors.base import create
from proctor.vision.detectors.phone import PHONE
from proctor.vision.types import Box
from training.phone import data, extra, pinned
from training.phone.labels import yolo_boxes, yolo_rows

DRIVERS_REPO = "bsaisoumith/Driver-Seatbelt-and-Mobile-Phone-detection-using-YOLOv5"
DRIVERS_COMMIT = "542071df4c2d47e756bbb51e17c405c6ae1f28b5"
DRIVER_KINDS = {"0": "calling", "1": "texting"}

Sample = tuple[str, np.ndarray, list[Box]]  # kind, image, phone boxes (none: phone-free)


def detection_set(root: Path) -> Iterator[Sample]:
    names = extra.training_images(extra.read_manifest())
    for item in data.read_items(root / "images", root / "labels", names):
        image = cv2.imread(str(item.image))
        if image is None:
            raise ValueError(f"{item.image}: unreadable; run `extra` first")
        boxes: list[Box] = [
            (float(x1), float(y1), float(x2), float(y2)) for x1, y1, x2, y2 in item.boxes
        ]
        yield ("phone held up" if boxes else "phone-free (wallet, case)"), image, boxes


def drivers(clone: Path) -> Iterator[Sample]:
    def git(*args: str) -> bytes:
        return pinned.git(clone, *args)

    names = git("ls-tree", "-r", "--name-only", DRIVERS_COMMIT, "datasets").decode().splitlines()
    for name in sorted(n for n in names if "/images/" in n):
        label_path = name.replace("/images/", "/labels/").rsplit(".", 1)[0] + ".txt"
        label = git("show", f"{DRIVERS_COMMIT}:{label_path}").decode()
        rows = yolo_rows(label)
        image = cv2.imdecode(
            np.frombuffer(git("show", f"{DRIVERS_COMMIT}:{name}"), np.uint8), cv2.IMREAD_COLOR
        )
        if image is None:
            raise ValueError(f"{DRIVERS_REPO}@{DRIVERS_COMMIT}:{name}: not a readable image")
        h, w = image.shape[:2]
        for kind, code in ((k, c) for c, k in DRIVER_KINDS.items()):
            boxes = yolo_boxes([r for r in rows if r[0] == code], w, h)
            if boxes:
                yield f"driver {kind}", image, boxes


def measure(model: Path, samples: list[Sample], settings: Settings) -> dict[str, tuple[int, int]]:
    """Per kind: (phones found, phones) or, for phone-free kinds, (frames with a phone, frames),
    for the model as the product runs it: beside CenterNet, with its threshold and second look
    from ``settings``."""
    detector = create(settings, model)
    out: dict[str, tuple[int, int]] = {}
    for kind, image, truth in samples:
        boxes = [d.box for d in detector.detect(image) if d.label == PHONE]
        hit, n = out.get(kind, (0, 0))
        if truth:
            out[kind] = (hit + sum(phone_found(boxes, t) for t in truth), n + len(truth))
        else:
            out[kind] = (hit + bool(boxes), n + 1)
    return out


def report(models: list[Path], extra_root: Path | None, drivers_clone: Path | None) -> str:
    samples: list[Sample] = []
    if extra_root is not None:
        samples += detection_set(extra_root)
    if drivers_clone is not None:
        samples += drivers(drivers_clone)
    settings = Settings()
    lines = []
    for model in models:
        for kind, (hit, n) in measure(model, samples, settings).items():
            lines.append(f"{model.name}  {kind}: {hit}/{n} = {hit / max(n, 1):.3f}")
    return "\n".join(lines)
