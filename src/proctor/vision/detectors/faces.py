"""Face detection with MediaPipe BlazeFace (short range and full range sparse) on LiteRT.

The short-range model (128x128) finds the candidate's face; the full-range model (192x192) also
finds smaller faces further away. Both run on a letterboxed copy of the frame; their detections are
merged, duplicates removed, and faces too small to matter (tiny background faces) dropped.
Anchor generation and decoding follow MediaPipe's SSD anchor and tensors-to-detections calculators.
"""

from __future__ import annotations

import math
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


def weighted_nms(
    rows: list[list[float]], scores: list[float], iou: float
) -> tuple[list[list[float]], list[float]]:
    """MediaPipe's weighted NMS: overlapping detections are averaged, weighted by score.

    ``rows`` start with the box (x1, y1, x2, y2); every column (keypoints too) is averaged over
    a group, and each output keeps its group's top score; outputs come best first. Plain
    floats: the candidates are a few neighbouring anchors of one or two faces, where array
    operations cost more than they save.
    """
    free = sorted(range(len(scores)), key=scores.__getitem__, reverse=True)
    merged: list[list[float]] = []
    kept: list[float] = []
    while free:
        top = free[0]
        ax1, ay1, ax2, ay2 = rows[top][:4]
        area = (ax2 - ax1) * (ay2 - ay1)
        members: list[int] = []
        rest: list[int] = []
        for j in free:
            bx1, by1, bx2, by2 = rows[j][:4]
            inter = max(min(ax2, bx2) - max(ax1, bx1), 0.0) * max(
                min(ay2, by2) - max(ay1, by1), 0.0
            )
            union = area + (bx2 - bx1) * (by2 - by1) - inter
            (members if j == top or inter / max(union, 1e-12) > iou else rest).append(j)
        if len(members) == 1:
            merged.append(rows[top])
        else:
            total = 0.0
            sums = [0.0] * len(rows[top])
            for j in members:
                weight = scores[j]
                total += weight
                sums = [s + weight * v for s, v in zip(sums, rows[j], strict=True)]
            merged.append([s / total for s in sums])
        kept.append(scores[top])
        free = rest
    return merged, kept


@dataclass(frozen=True, slots=True, eq=False)
class Letterbox:
    """How a frame of one size goes into a BlazeFace input, and how raw rows come back out.

    The frame is resized to ``resized`` (width, height) and placed at ``at`` (row, column) on
    black. A raw row (box centre and size, six keypoints; anchor-relative, in input pixels)
    becomes box corners and keypoints in frame pixels by one affine map:
    ``raw @ transform + bias[anchor]``.
    """

    resized: tuple[int, int]
    at: tuple[int, int]
    transform: np.ndarray  # (16, 16)
    bias: np.ndarray  # (anchors, 16)


# Raw (cx, cy, w, h, keypoints) to (x1, y1, x2, y2, keypoints): rows are inputs, columns outputs.
_TO_CORNERS = np.eye(16, dtype=np.float64)
_TO_CORNERS[2, 0] = _TO_CORNERS[3, 1] = -0.5  # x1 = cx - w / 2, y1 = cy - h / 2
_TO_CORNERS[0, 2] = _TO_CORNERS[1, 3] = 1.0  # x2 = cx + w / 2, y2 = cy + h / 2
_TO_CORNERS[2, 2] = _TO_CORNERS[3, 3] = 0.5
_X_COLUMNS, _Y_COLUMNS = [0, 2, 4, 6, 8, 10, 12, 14], [1, 3, 5, 7, 9, 11, 13, 15]


class BlazeFace:
    """One BlazeFace model: invoke on a letterboxed frame, decode, weighted NMS."""

    def __init__(self, name: str, *, num_threads: int, min_score: float) -> None:
        self.model = LiteModel(face_model_path(name), num_threads=num_threads)
        self.size = self.model.input_width
        if self.size == 128:  # short range: 16x16x2 + 8x8x6 anchors
            self.anchors = ssd_anchors(128, [8, 16], [2, 6])
        else:  # full range: one 48x48 layer, one anchor per cell
            self.anchors = ssd_anchors(self.size, [4], [1])
        self.min_logit = float(np.log(min_score / (1.0 - min_score)))
        self._letterboxes: dict[tuple[int, int], Letterbox] = {}

    def letterbox(self, height: int, width: int) -> Letterbox:
        """The letterbox of a ``width`` x ``height`` frame (cached: frames keep their size)."""
        box = self._letterboxes.get((height, width))
        if box is not None:
            return box
        size = self.size
        scale = size / max(height, width)
        new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
        pad_x, pad_y = (size - new_w) // 2, (size - new_h) // 2
        offsets = np.zeros((len(self.anchors), 16), dtype=np.float64)  # anchor centres, pixels
        offsets[:, [0, 4, 6, 8, 10, 12, 14]] = self.anchors[:, :1] * size
        offsets[:, [1, 5, 7, 9, 11, 13, 15]] = self.anchors[:, 1:] * size
        pad = np.zeros(16)
        pad[_X_COLUMNS], pad[_Y_COLUMNS] = pad_x, pad_y
        box = Letterbox(
            resized=(new_w, new_h),
            at=(pad_y, pad_x),
            transform=(_TO_CORNERS / scale).astype(np.float32),
            bias=((offsets @ _TO_CORNERS - pad) / scale).astype(np.float32),
        )
        if len(self._letterboxes) >= 8:  # a server sees a few frame sizes; bound the cache
            self._letterboxes.clear()
        self._letterboxes[height, width] = box
        return box

    def detect(
        self, image_bgr: np.ndarray, nms_iou: float = 0.3
    ) -> tuple[list[list[float]], list[float]]:
        """Rows of 16 (box x1, y1, x2, y2, then six keypoints x, y) in the frame's pixels, and
        their scores, best first. Boxes may reach past the frame's edges."""
        box = self.letterbox(*image_bgr.shape[:2])
        # Bilinear, as MediaPipe samples its input (and ten times cheaper than INTER_AREA here).
        resized = cv2.resize(image_bgr, box.resized, interpolation=cv2.INTER_LINEAR)
        raw_boxes, raw_scores = self.model.run_image(resized, 2.0 / 255.0, -1.0, at=box.at)
        logits = raw_scores.reshape(-1)
        keep = (logits > self.min_logit).nonzero()[0]
        rows = (raw_boxes.reshape(-1, 16)[keep] @ box.transform + box.bias[keep]).tolist()
        # Kept logits are bounded below: no overflow.
        scores = [1.0 / (1.0 + math.exp(-v)) for v in logits[keep].tolist()]
        valid = [i for i, r in enumerate(rows) if r[2] > r[0] and r[3] > r[1]]  # has an area
        if len(valid) < len(rows):
            rows, scores = [rows[i] for i in valid], [scores[i] for i in valid]
        return weighted_nms(rows, scores, nms_iou)


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
        """Faces in a BGR frame, largest (by box area) first.

        ``full_range=False``: see the class notes.
        """
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
        """One model's detections in image pixels, boxes clipped to the image."""
        h, w = (float(v) for v in image_bgr.shape[:2])
        rows, scores = model.detect(image_bgr)
        if not rows:
            return []
        points = np.array([r[4:] for r in rows], dtype=np.float32).reshape(-1, 6, 2)
        faces = []
        for (x1, y1, x2, y2, *_), keypoints, score in zip(rows, points, scores, strict=True):
            box = (
                min(max(x1, 0.0), w),
                min(max(y1, 0.0), h),
                min(max(x2, 0.0), w),
                min(max(y2, 0.0), h),
            )
            faces.append(FaceBox(box=box, score=score, keypoints=keypoints))
        return faces


def same_face(a: FaceBox, b: FaceBox, iou: float = 0.3, inside: float = 0.6) -> bool:
    """Whether two boxes overlap, or the smaller lies mostly in the other.

    Plain floats: a frame has a handful of candidates, where array operations cost more.
    """
    ax1, ay1, ax2, ay2 = a.box
    bx1, by1, bx2, by2 = b.box
    inter = max(min(ax2, bx2) - max(ax1, bx1), 0.0) * max(min(ay2, by2) - max(ay1, by1), 0.0)
    area_a, area_b = (ax2 - ax1) * (ay2 - ay1), (bx2 - bx1) * (by2 - by1)
    union = max(area_a + area_b - inter, 1e-12)
    return inter / union > iou or inter / max(min(area_a, area_b), 1e-12) > inside


def fuse_faces(short: list[FaceBox], full: list[FaceBox]) -> list[FaceBox]:
    """One face per cluster of detections; the score is the noisy-OR over the two models."""
    tagged = sorted(
        [(f, True) for f in short] + [(f, False) for f in full], key=lambda t: -t[0].score
    )
    if len(tagged) <= 1:  # the noisy-OR of one score is that score
        return [f for f, _ in tagged]
    used = [False] * len(tagged)
    fused: list[FaceBox] = []
    for i, (face, _) in enumerate(tagged):
        if used[i]:
            continue
        best: dict[bool, float] = {}  # highest score per model in the cluster
        for j in range(i, len(tagged)):
            other, from_short = tagged[j]
            if not used[j] and (j == i or same_face(face, other)):
                used[j] = True
                best.setdefault(from_short, other.score)
        miss = 1.0
        for score in best.values():
            miss *= 1.0 - score
        fused.append(FaceBox(box=face.box, score=1.0 - miss, keypoints=face.keypoints))
    return fused
