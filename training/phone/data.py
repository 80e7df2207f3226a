"""Training samples: the phone-using frames, augmented hard, letterboxed as the detector sees them.

Frames in the dataset are 640x640 stretched from their original shape and come from few
people, so each sample is re-shaped to a webcam aspect, scaled and shifted (often cutting the
phone at the frame's edge), re-lit, blurred (focus and motion), noised and re-compressed. Some
samples are crops that avoid every phone: faces, hands and clothes with no phone in them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from training.phone.labels import yolo_boxes, yolo_rows

SIZE = 416  # set with the model's by model.use_size
ASPECTS = ((4 / 3, 0.6), (16 / 9, 0.25), (1.0, 0.15))  # width / height, and how often
MIN_KEPT = 0.25  # a phone cut by the frame counts while this share of it stays in view


@dataclass(frozen=True)
class Item:
    image: Path
    boxes: np.ndarray  # [K, 4] x1 y1 x2 y2 in the file's pixels


def read(path: Path) -> np.ndarray:
    """A BGR image, or ``ValueError`` naming the file."""
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError(f"{path}: unreadable")
    return image


def read_items(images: Path, labels: Path, names: list[str]) -> list[Item]:
    """The exported images (640x640) and their phone boxes."""
    items = []
    for name in names:
        rows = yolo_rows((labels / (Path(name).stem + ".txt")).read_text())
        boxes = np.array(yolo_boxes(rows, 640.0, 640.0), dtype=np.float32).reshape(-1, 4)
        items.append(Item(images / name, boxes))
    return items


def _pick_aspect(rng: random.Random) -> float:
    x = rng.random()
    for aspect, p in ASPECTS:
        if x < p:
            return aspect
        x -= p
    return ASPECTS[0][0]


def _motion_blur(image: np.ndarray, rng: random.Random) -> np.ndarray:
    k = rng.choice((5, 7, 9, 11, 15))
    kernel = np.zeros((k, k), np.float32)
    kernel[k // 2, :] = 1.0 / k
    rot = cv2.getRotationMatrix2D((k / 2 - 0.5, k / 2 - 0.5), rng.uniform(0, 180), 1.0)
    turned = cv2.warpAffine(kernel, rot, (k, k)).astype(np.float32)
    turned /= max(float(turned.sum()), 1e-6)
    return cv2.filter2D(image, -1, turned)


def photometric(image: np.ndarray, rng: random.Random) -> np.ndarray:
    hsv = cv2.cvtColor(image, cv2.COLOR_BGR2HSV).astype(np.float32)
    hsv[..., 0] = (hsv[..., 0] + rng.uniform(-8, 8)) % 180
    hsv[..., 1] *= rng.uniform(0.5, 1.4)
    hsv[..., 2] *= rng.uniform(0.45, 1.4)
    out = cv2.cvtColor(np.clip(hsv, 0, 255).astype(np.uint8), cv2.COLOR_HSV2BGR)
    if rng.random() < 0.4:  # gamma: dim webcams crush the shadows
        gamma = rng.uniform(0.6, 1.8)
        lut = (np.linspace(0, 1, 256) ** gamma * 255).astype(np.uint8)
        out = cv2.LUT(out, lut)
    if rng.random() < 0.3:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.6, 2.2))
    if rng.random() < 0.25:
        out = _motion_blur(out, rng)
    if rng.random() < 0.25:
        noise = np.random.default_rng(rng.randrange(1 << 30)).normal(
            0, rng.uniform(3, 12), out.shape
        )
        out = np.clip(out.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    if rng.random() < 0.06:
        out = cv2.cvtColor(cv2.cvtColor(out, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    if rng.random() < 0.6:
        quality = rng.randint(25, 92)
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, quality])
        decoded = cv2.imdecode(buf, cv2.IMREAD_COLOR) if ok else None
        if decoded is not None:
            out = decoded
    return out


def _phone_free_window(
    boxes: np.ndarray, w: int, h: int, rng: random.Random
) -> tuple[int, int, int, int] | None:
    """A window of at least a third of the image that touches no phone, if one exists."""
    for _ in range(20):
        cw = rng.randint(w // 3, w)
        ch = rng.randint(h // 3, h)
        x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
        if all(b[2] <= x or b[0] >= x + cw or b[3] <= y or b[1] >= y + ch for b in boxes):
            return x, y, x + cw, y + ch
    return None


def _paste(
    image: np.ndarray, boxes: np.ndarray, background: Path, rng: random.Random
) -> tuple[np.ndarray, np.ndarray]:
    """The phone (with the hand around it) cut out of ``image`` and blended into a phone-free
    photo: the same phones before new people and rooms."""
    back = cv2.imread(str(background), cv2.IMREAD_COLOR)
    if back is None or not len(boxes):
        return image, boxes
    h, w = image.shape[:2]
    bh, bw = back.shape[:2]
    scale = 640 / max(bh, bw)
    back = cv2.resize(back, (max(1, round(bw * scale)), max(1, round(bh * scale))))
    bh, bw = back.shape[:2]
    x1, y1, x2, y2 = boxes[rng.randrange(len(boxes))]
    grow = rng.uniform(0.1, 0.6)
    px, py = (x2 - x1) * grow, (y2 - y1) * grow
    cx1, cy1 = int(max(0, x1 - px)), int(max(0, y1 - py))
    cx2, cy2 = int(min(w, x2 + px)), int(min(h, y2 + py))
    patch = image[cy1:cy2, cx1:cx2]
    fit = min(1.0, 0.9 * bw / max(patch.shape[1], 1), 0.9 * bh / max(patch.shape[0], 1))
    f = fit * rng.uniform(0.45, 1.0)
    pw, ph = max(8, round(patch.shape[1] * f)), max(8, round(patch.shape[0] * f))
    patch = cv2.resize(patch, (pw, ph))
    ox, oy = rng.randint(0, max(0, bw - pw)), rng.randint(0, max(0, bh - ph))
    pw, ph = min(pw, bw - ox), min(ph, bh - oy)
    mask = np.zeros((ph, pw), np.float32)
    edge = max(2, min(pw, ph) // 10)
    mask[edge:-edge, edge:-edge] = 1.0
    mask = cv2.GaussianBlur(mask, (0, 0), edge / 2 + 0.5)[..., None]
    region = back[oy : oy + ph, ox : ox + pw].astype(np.float32)
    back[oy : oy + ph, ox : ox + pw] = (mask * patch[:ph, :pw] + (1 - mask) * region).astype(
        np.uint8
    )
    inside = (
        (boxes[:, 0] >= cx1) & (boxes[:, 1] >= cy1) & (boxes[:, 2] <= cx2) & (boxes[:, 3] <= cy2)
    )
    moved = (boxes[inside] - np.array([cx1, cy1, cx1, cy1], np.float32)) * f
    moved += np.array([ox, oy, ox, oy], np.float32)
    moved[:, [0, 2]] = moved[:, [0, 2]].clip(0, bw)
    moved[:, [1, 3]] = moved[:, [1, 3]].clip(0, bh)
    return back, moved.astype(np.float32)


def sample(
    item: Item,
    rng: random.Random,
    negative_share: float = 0.1,
    backgrounds: list[Path] | None = None,
    paste_share: float = 0.25,
    zoom_out_share: float = 0.2,
) -> tuple[np.ndarray, np.ndarray]:
    """One augmented training sample: a SIZE x SIZE BGR uint8 canvas (frame at the top-left, the
    rest filled with 114, as the detector letterboxes) and its phone boxes in canvas pixels.
    ``zoom_out_share`` of the samples show the photo smaller than the frame (smaller phones)."""
    image = read(item.image)
    boxes = item.boxes.copy()
    if backgrounds and len(boxes) and rng.random() < paste_share:
        image, boxes = _paste(image, boxes, rng.choice(backgrounds), rng)
    h, w = image.shape[:2]
    if len(boxes) and rng.random() < negative_share:
        window = _phone_free_window(boxes, w, h, rng)
        if window is not None:
            x1, y1, x2, y2 = window
            image, boxes, h, w = image[y1:y2, x1:x2], boxes[:0], y2 - y1, x2 - x1
    if rng.random() < 0.5:
        image = cv2.flip(image, 1)
        boxes = boxes[:, [2, 1, 0, 3]].copy()
        boxes[:, [0, 2]] = w - boxes[:, [0, 2]]
    # The frame the camera would have given: a webcam aspect, at SIZE wide or high.
    aspect = _pick_aspect(rng)
    fw, fh = (SIZE, round(SIZE / aspect)) if aspect >= 1 else (round(SIZE * aspect), SIZE)
    # Scale the photo into that frame: usually covering it (cropping), sometimes zoomed out.
    cover = max(fw / w, fh / h)
    zoom_in = rng.random() < 1 - zoom_out_share
    scale = cover * (rng.uniform(0.95, 1.9) if zoom_in else rng.uniform(0.5, 0.95))
    stretch = rng.uniform(0.8, 1.25)  # undo or add the export's stretching
    sx, sy = scale * stretch, scale
    rw, rh = max(1, round(w * sx)), max(1, round(h * sy))
    resized = cv2.resize(
        image, (rw, rh), interpolation=cv2.INTER_AREA if sx < 1 else cv2.INTER_LINEAR
    )
    ox = rng.randint(min(0, fw - rw), max(0, fw - rw))
    oy = rng.randint(min(0, fh - rh), max(0, fh - rh))
    frame = np.full((fh, fw, 3), rng.randint(0, 255), np.uint8)
    x0, y0 = max(0, ox), max(0, oy)
    x1, y1 = min(fw, ox + rw), min(fh, oy + rh)
    frame[y0:y1, x0:x1] = resized[y0 - oy : y1 - oy, x0 - ox : x1 - ox]
    frame = photometric(frame, rng)
    out = boxes * np.array([sx, sy, sx, sy], np.float32) + np.array([ox, oy, ox, oy], np.float32)
    clipped = out.copy()
    clipped[:, [0, 2]] = clipped[:, [0, 2]].clip(0, fw)
    clipped[:, [1, 3]] = clipped[:, [1, 3]].clip(0, fh)
    area = (out[:, 2] - out[:, 0]) * (out[:, 3] - out[:, 1])
    kept = (clipped[:, 2] - clipped[:, 0]) * (clipped[:, 3] - clipped[:, 1])
    size_ok = np.minimum(clipped[:, 2] - clipped[:, 0], clipped[:, 3] - clipped[:, 1]) >= 6
    clipped = clipped[(kept >= MIN_KEPT * np.maximum(area, 1e-6)) & size_ok]
    canvas = np.full((SIZE, SIZE, 3), 114, np.uint8)
    canvas[:fh, :fw] = frame
    return canvas, clipped
