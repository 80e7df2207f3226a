"""YOLOX-family ONNX detectors (raw head output), for operators who bring their own model.

Input: ``[1, 3, H, W]`` float32 BGR 0-255, letterboxed at the top-left of an H x W canvas filled
with 114. Output: ``[1, N, 5 + classes]`` rows ``cx, cy, w, h, objectness, class scores...`` over
the stride 8, 16 and 32 grids in that order, not yet decoded. Score = objectness x class score.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from proctor.vision.detectors.base import ModelMissingError, ObjectDetector, register
from proctor.vision.detectors.common import (
    load_label_map,
    make_session,
    thresholds_for,
    to_detections,
)
from proctor.vision.types import Detection

if TYPE_CHECKING:
    from proctor.config import Settings

STRIDES = (8, 16, 32)
PAD_VALUE = 114.0
# Tuned for YOLOX-Nano on the evaluation set (docs/EVALUATION.md).
DEFAULT_THRESHOLDS: dict[str, float] = {
    "person": 0.3,
    "cell_phone": 0.15,
    "book": 0.1,
    "laptop": 0.3,
    "monitor": 0.3,
}


def grids(height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Cell offsets (N, 2) and strides (N, 1) in the order of YOLOX's output rows."""
    cells, strides = [], []
    for s in STRIDES:
        gy, gx = np.mgrid[0 : height // s, 0 : width // s]
        cells.append(np.stack([gx.ravel(), gy.ravel()], axis=1))
        strides.append(np.full((gx.size, 1), s))
    return np.concatenate(cells).astype(np.float32), np.concatenate(strides).astype(np.float32)


class YoloxDetector(ObjectDetector):
    name = "onnx-yolox"

    def __init__(
        self,
        model_path: Path,
        *,
        labels: dict[int, str],
        threads: int = 1,
        thresholds: dict[str, float] | None = None,
        nms_iou: float = 0.45,
    ) -> None:
        self.session = make_session(model_path, threads)
        inp = self.session.get_inputs()[0]
        shape = inp.shape
        if len(shape) != 4 or not all(isinstance(d, int) for d in shape[1:]) or shape[1] != 3:
            raise ValueError(f"{model_path}: expected a fixed [1, 3, H, W] input, got {shape}")
        self.input_name = inp.name
        self.height, self.width = int(shape[2]), int(shape[3])
        self.cells, self.strides = grids(self.height, self.width)
        self.labels = labels
        self.thresholds = dict(DEFAULT_THRESHOLDS if thresholds is None else thresholds)
        self.nms_iou = nms_iou
        self._invoke_ms = 0.0

    def invoke_ms(self) -> float:
        return self._invoke_ms

    def detect(self, image_bgr: np.ndarray) -> list[Detection]:
        h, w = image_bgr.shape[:2]
        scale = min(self.height / h, self.width / w)
        nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
        canvas = np.full((self.height, self.width, 3), PAD_VALUE, np.float32)
        canvas[:nh, :nw] = cv2.resize(image_bgr, (nw, nh), interpolation=cv2.INTER_LINEAR)
        tensor = canvas.transpose(2, 0, 1)[np.newaxis]
        start = time.perf_counter()
        out = self.session.run(None, {self.input_name: tensor})[0][0]
        self._invoke_ms = (time.perf_counter() - start) * 1000.0
        if out.shape[0] != self.cells.shape[0]:
            raise ValueError(f"YOLOX output has {out.shape[0]} rows, expected {len(self.cells)}")
        # Each mapped class on its own: a box can be both a person and a phone held up.
        ids = np.array(sorted(self.labels), dtype=np.int64)
        limits = np.array([self.thresholds.get(self.labels[i], 1.01) for i in ids], np.float32)
        class_scores = out[:, 5 + ids] * out[:, 4:5]
        rows, col = np.nonzero(class_scores >= limits)
        centre = (out[rows, :2] + self.cells[rows]) * self.strides[rows]
        size = np.exp(np.minimum(out[rows, 2:4], 10.0)) * self.strides[rows]
        boxes = np.concatenate([centre - size / 2, centre + size / 2], axis=1) / scale
        return to_detections(
            boxes,
            class_scores[rows, col],
            ids[col],
            self.labels,
            self.thresholds,
            nms_iou=self.nms_iou,
            width=w,
            height=h,
        )


@register("onnx-yolox")
def _create(settings: Settings) -> ObjectDetector:
    path = settings.object_model_path
    if path is None or not Path(path).is_file():
        raise ModelMissingError(
            f"PROCTOR_OBJECT_MODEL=onnx-yolox needs an ONNX file: PROCTOR_OBJECT_MODEL_PATH={path} "
            "does not exist"
        )
    return YoloxDetector(
        Path(path),
        labels=load_label_map(settings.object_model_labels),
        threads=settings.vision_threads,
        thresholds=thresholds_for(DEFAULT_THRESHOLDS, settings),
        nms_iou=settings.object_nms_iou,
    )
