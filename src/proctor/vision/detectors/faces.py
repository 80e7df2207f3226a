"""Face detection with MediaPipe BlazeFace (short range and full range sparse) on LiteRT.

The short-range model (128x128) finds the candidate's face; the full-range model (192x192) also
finds smaller faces further away. Both run on a letterboxed copy of the frame; their detections are
merged, duplicates removed, and faces too small to matter (tiny background faces) dropped.
Anchor generation and decoding follow MediaPipe's SSD anchor and tensors-to-detections calculators.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from proctor.vision.litert import LiteModel
from proctor.vision.models import face_model_path

# Keypoint rows of a detection: image-left eye, image-right eye, nose tip, mouth, left and right
# ear tragion (left/right as seen in the image).
EYE_L, EYE_R, NOSE, MOUTH, EAR_L, EAR_R = range(6)


@dataclass(frozen=True, slots=True, eq=False)
class FaceBox:
    """One face in image pixels: box (x1, y1, x2, y2), score and six (x, y) keypoints."""

    box: tuple[float, float, float, float]
    score: float
    keypoints: np.ndarray  # (6, 2) float32

    @property
    def size(self) -> float:
        return max(self.box[2] - self.box[0], self.box[3] - self.box[1])

    @property
    def area(self) -> float:
        return (self.box[2] - self.box[0]) * (self.box[3] - self.box[1])


def ssd_anchors(input_size: int, strides: list[int], per_cell: list[int]) -> np.ndarray:
    """Anchor centres ``(N, 2)`` in 0..1 for MediaPipe's fixed-size SSD anchors."""
    rows = []
    for stride, count in zip(strides, per_cell, strict=True):
        cells = input_size // stride
        centres = (np.arange(cells, dtype=np.float32) + 0.5) / cells
        xs, ys = np.meshgrid(centres, centres)
        grid = np.stack([xs.ravel(), ys.ravel()], axis=1)
        rows.append(np.repeat(grid, count, axis=0))
    return np.concatenate(rows).astype(np.float32)


def _overlaps(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairwise intersection areas of boxes ``a (N, 4)`` and ``b (M, 4)``, and both areas."""
    w = np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0])
    h = np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1])
    inter = np.clip(w, 0, None) * np.clip(h, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter, area_a[:, None], area_b[None, :]


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise IoU of boxes ``a (N, 4)`` and ``b (M, 4)`` given as x1, y1, x2, y2."""
    inter, area_a, area_b = _overlaps(a, b)
    result: np.ndarray = inter / np.maximum(area_a + area_b - inter, 1e-12)
    return result


def weighted_nms(
    boxes: np.ndarray, points: np.ndarray, scores: np.ndarray, iou: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """MediaPipe's weighted NMS: overlapping boxes are averaged, weighted by score.

    ``boxes (N, 4)``, ``points (N, K, 2)``, ``scores (N,)``; each output keeps its top score.
    """
    if len(scores) <= 1:  # nothing to merge (the usual case): skip the pairwise work
        return boxes.astype(np.float32), points.astype(np.float32), scores
    order = np.argsort(-scores)
    boxes, points, scores = boxes[order], points[order], scores[order]
    overlaps = iou_matrix(boxes, boxes) > iou
    flat = np.concatenate([boxes, points.reshape(len(scores), points.shape[1] * 2)], axis=1)
    free = np.ones(len(scores), dtype=bool)
    rows, kept = [], []
    for top in range(len(scores)):
        if not free[top]:
            continue
        group = overlaps[top] & free
        group[top] = True
        free &= ~group
        weights = scores[group]
        rows.append(weights @ flat[group] / weights.sum())
        kept.append(top)
    if not kept:
        return boxes[:0], points[:0], scores[:0]
    merged = np.array(rows, dtype=np.float32)
    return merged[:, :4], merged[:, 4:].reshape(len(kept), -1, 2), scores[kept]


class BlazeFace:
    """One BlazeFace model: invoke on a letterboxed square, decode, weighted NMS.

    Results are in the square's 0..1 coordinates; ``FaceDetector`` maps them to the image.
    """

    def __init__(self, name: str, *, num_threads: int, min_score: float) -> None:
        self.model = LiteModel(face_model_path(name), num_threads=num_threads)
        self.size = self.model.input_width
        if self.size == 128:  # short range: 16x16x2 + 8x8x6 anchors
            self.anchors = ssd_anchors(128, [8, 16], [2, 6])
        else:  # full range: one 48x48 layer, one anchor per cell
            self.anchors = ssd_anchors(self.size, [4], [1])
        self.min_logit = float(np.log(min_score / (1.0 - min_score)))

    def detect(
        self, square_bgr: np.ndarray, nms_iou: float = 0.3
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Boxes ``(N, 4)``, keypoints ``(N, 6, 2)`` and scores in the square's 0..1 frame.

        ``square_bgr`` is the letterboxed image at the model's input size.
        """
        raw_boxes, raw_scores = self.model.run_image(square_bgr, 2.0 / 255.0, -1.0)
        logits = raw_scores.reshape(-1)
        keep = np.flatnonzero(logits > self.min_logit)
        raw = raw_boxes.reshape(-1, 16)[keep] / self.size
        scores = 1.0 / (1.0 + np.exp(-logits[keep]))  # kept logits are bounded below: no overflow
        anchors = self.anchors[keep]
        centre = raw[:, 0:2] + anchors
        half = raw[:, 2:4] / 2.0
        boxes = np.concatenate([centre - half, centre + half], axis=1)
        points = raw[:, 4:16].reshape(-1, 6, 2) + anchors[:, None, :]
        valid = (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
        return weighted_nms(boxes[valid], points[valid], scores[valid], nms_iou)


class FaceDetector:
    """Short plus full range BlazeFace, fused, with size and score limits for counting faces.

    Each model keeps candidates down to ``evidence_score``; a face seen by both models gets the
    noisy-OR of their scores, so agreement of two moderate scores counts while one moderate
    score on background texture does not. Faces whose fused score is below ``min_score`` or whose
    box side is below ``min_face_ratio`` of the frame's shorter side (tiny background faces)
    are dropped.

    The full-range model runs first: it is the only one that sees faces under about 60 px in a
    640x480 frame, so it cannot be skipped. The short-range model runs only when it can change
    the result: when the full-range model found no face at ``min_score``, or a candidate below
    it that a second opinion could confirm. Where the full-range model is sure of every face it
    saw (most webcam frames), the short-range pass would only raise scores already counted.

    ``detect(image, full_range=False)`` is the live server's cheaper order for the frames
    between its regular full-range ones: the short-range model (a third of the cost) runs first,
    and the full-range one only when the short-range model is not sure of every face it saw or
    saw none. What it can miss is a small background face beside a clear candidate, so the
    caller must still run the full order every few frames.
    """

    def __init__(
        self,
        *,
        num_threads: int = 1,
        evidence_score: float = 0.3,
        min_score: float = 0.75,
        min_face_ratio: float = 0.06,
    ) -> None:
        self.short = BlazeFace("face_short", num_threads=num_threads, min_score=evidence_score)
        self.full = BlazeFace("face_full", num_threads=num_threads, min_score=evidence_score)
        self.evidence_score = evidence_score
        self.min_score = min_score
        self.min_face_ratio = min_face_ratio
        self.ran_short = False  # whether the last ``detect`` ran the short-range model
        self.ran_full = False  # ... and the full-range one

    def invoke_ms(self) -> float:
        """Bare model time of the last ``detect`` call."""
        short = self.short.model.last_invoke_ms if self.ran_short else 0.0
        return short + (self.full.model.last_invoke_ms if self.ran_full else 0.0)

    def _unsure(self, faces: list[FaceBox]) -> bool:
        """No face at ``min_score``, or a candidate below it that a second model could confirm."""
        return not faces or any(f.score < self.min_score for f in faces)

    def detect(self, image_bgr: np.ndarray, *, full_range: bool = True) -> list[FaceBox]:
        """Faces, largest (by box area) first. ``full_range=False``: see the class notes."""
        h, w = image_bgr.shape[:2]
        if full_range:
            full = self._candidates(self.full, image_bgr)
            self.ran_full, self.ran_short = True, self._unsure(full)
            short = self._candidates(self.short, image_bgr) if self.ran_short else []
        else:
            short = self._candidates(self.short, image_bgr)
            self.ran_short, self.ran_full = True, self._unsure(short)
            full = self._candidates(self.full, image_bgr) if self.ran_full else []
        min_side = self.min_face_ratio * min(h, w)
        kept = [
            f for f in fuse_faces(short, full) if f.score >= self.min_score and f.size >= min_side
        ]
        return sorted(kept, key=lambda f: -f.area)

    @staticmethod
    def _candidates(model: BlazeFace, image_bgr: np.ndarray) -> list[FaceBox]:
        """One model's detections in image pixels, from a letterboxed copy of the image."""
        h, w = image_bgr.shape[:2]
        size = model.size
        scale = size / max(h, w)
        new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
        pad_x, pad_y = (size - new_w) // 2, (size - new_h) // 2
        # Bilinear, as MediaPipe samples its input (and ten times cheaper than INTER_AREA here).
        square = cv2.copyMakeBorder(
            cv2.resize(image_bgr, (new_w, new_h), interpolation=cv2.INTER_LINEAR),
            pad_y,
            size - new_h - pad_y,
            pad_x,
            size - new_w - pad_x,
            cv2.BORDER_CONSTANT,
            value=(0, 0, 0),
        )
        boxes, points, scores = model.detect(square)
        boxes = np.clip((boxes * size - [pad_x, pad_y, pad_x, pad_y]) / scale, 0, [w, h, w, h])
        points = ((points * size - [pad_x, pad_y]) / scale).astype(np.float32)
        return [
            FaceBox(box=(b[0], b[1], b[2], b[3]), score=s, keypoints=p)
            for b, p, s in zip(boxes.tolist(), points, scores.tolist(), strict=True)
        ]


def same_face(boxes: np.ndarray, iou: float = 0.3, inside: float = 0.6) -> np.ndarray:
    """Pairs of boxes ``(N, 4)`` that overlap, or whose smaller box lies mostly in the other."""
    inter, area_a, area_b = _overlaps(boxes, boxes)
    union = np.maximum(area_a + area_b - inter, 1e-12)
    smaller = np.maximum(np.minimum(area_a, area_b), 1e-12)
    result: np.ndarray = (inter / union > iou) | (inter / smaller > inside)
    return result


def fuse_faces(short: list[FaceBox], full: list[FaceBox]) -> list[FaceBox]:
    """One face per cluster of detections; the score is the noisy-OR over the two models."""
    faces = sorted(short + full, key=lambda f: -f.score)
    if not faces:
        return []
    from_short = [any(f is s for s in short) for f in faces]
    same = same_face(np.array([f.box for f in faces], dtype=np.float32))
    used = np.zeros(len(faces), dtype=bool)
    fused: list[FaceBox] = []
    for i, face in enumerate(faces):
        if used[i]:
            continue
        group = np.flatnonzero(same[i] & ~used)
        used[group] = True
        best = {from_short[j]: faces[j].score for j in group[::-1]}  # highest score per model
        miss = 1.0
        for score in best.values():
            miss *= 1.0 - score
        fused.append(FaceBox(box=face.box, score=1.0 - miss, keypoints=face.keypoints))
    return fused
