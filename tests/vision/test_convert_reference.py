"""The converted CenterNet against the original model run by Human in Node (tfjs, WASM backend).

Both sides get the same real evaluation images. Three comparisons:
- raw outputs on the identical 512x512 input tensor: the exact fp32 conversion (all 80 classes,
  no rewrites) must match to float rounding; the product model (5 classes, fused hard-swish)
  within the small drift its rewrite causes;
- end to end: Human's ``detect()`` (its own resize, decode and NMS) against our decode of the same
  input: same detections, scores within 0.02, boxes with IoU >= 0.9.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort
import pytest

from proctor.config import Settings
from proctor.vision.convert.centernet import NPM_PACKAGES, PRODUCT_CLASSES, build_centernet
from proctor.vision.convert.npm import is_installed
from proctor.vision.detectors.centernet import decode
from proctor.vision.detectors.common import iou_matrix, nms_per_class
from proctor.vision.models import human_package_dir, npm_prefix, object_model_path
from tests.conftest import read_bgr, require

pytestmark = [pytest.mark.models, pytest.mark.slow]

SCRIPT = Path(__file__).parent / "node_reference" / "centernet_reference.cjs"
IMAGES = [
    "images/phone_three_women_calls.jpg",
    "images/laptop_woman_xo_tv.jpg",
    "images/monitor_desk_books_noface.jpg",
    "images/multi3_friends_bar.jpg",
    "images/book_cafe_table_noface.jpg",
    "phones/images/phone_dev_000.jpg",
    "phones/images/phone_dev_005.jpg",
]
SIZE = 512


def tf_resize_bilinear(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """TF's resizeBilinear with align_corners=False, half_pixel_centers=False (what Human uses)."""
    h, w = image.shape[:2]
    ys = np.arange(height, dtype=np.float64) * (h / height)
    xs = np.arange(width, dtype=np.float64) * (w / width)
    y0 = np.floor(ys).astype(int)
    x0 = np.floor(xs).astype(int)
    y1, x1 = np.minimum(y0 + 1, h - 1), np.minimum(x0 + 1, w - 1)
    fy, fx = (ys - y0)[:, None, None], (xs - x0)[None, :, None]
    img = image.astype(np.float64)
    top = img[y0][:, x0] * (1 - fx) + img[y0][:, x1] * fx
    bottom = img[y1][:, x0] * (1 - fx) + img[y1][:, x1] * fx
    resized: np.ndarray = (top * (1 - fy) + bottom * fy).astype(np.float32)
    return resized


@pytest.fixture(scope="module")
def reference(evalset: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Run the Node script once for every image: raw outputs and Human's detections."""
    prefix = npm_prefix(Settings().models_dir)
    require(shutil.which("node") is not None, "node is not installed")
    require(
        is_installed(prefix, NPM_PACKAGES),
        f"Human and tfjs are not installed in {prefix}: run `proctor models install`",
    )
    work = tmp_path_factory.mktemp("reference")
    inputs, rgb = [], {}
    for rel in IMAGES:
        name = Path(rel).stem
        image = cv2.cvtColor(read_bgr(evalset / rel), cv2.COLOR_BGR2RGB)
        rgb[name] = image
        resized = tf_resize_bilinear(image, SIZE, SIZE)[np.newaxis]
        resized.tofile(work / f"{name}.in.f32")
        image.astype(np.float32)[np.newaxis].tofile(work / f"{name}.full.f32")
        inputs.append(
            {
                "name": name,
                "file": str(work / f"{name}.in.f32"),
                "shape": list(resized.shape),
                "mode": "raw",
            }
        )
        inputs.append(
            {
                "name": name + ".detect",
                "file": str(work / f"{name}.full.f32"),
                "shape": [1, *image.shape],
                "mode": "detect",
            }
        )
    job = work / "job.json"
    job.write_text(json.dumps({"out_dir": str(work), "inputs": inputs}))
    proc = subprocess.run(
        ["node", str(SCRIPT), str(prefix / "node_modules"), str(job)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result: dict[str, object] = json.loads(proc.stdout)
    assert result["backend"] == "wasm"
    result["_rgb"] = rgb
    return result


def _tfjs_output(result: dict[str, object], name: str, key: str) -> np.ndarray:
    info = result[name]["files"][key]  # type: ignore[index]
    return np.fromfile(info["file"], np.float32).reshape(info["shape"])


def _run(model_bytes: bytes, tensor: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    session = ort.InferenceSession(model_bytes, providers=["CPUExecutionProvider"])
    heatmap, wh = session.run(None, {"tower_0/images": tensor})
    return heatmap[0], wh[0]


@pytest.fixture(scope="module")
def exact_model() -> bytes:
    model = build_centernet(human_package_dir(Settings().models_dir), classes=None, fuse=False)
    return bytes(model.SerializeToString())


def _input(result: dict[str, object], name: str) -> np.ndarray:
    rgb = result["_rgb"][name]  # type: ignore[index]
    return tf_resize_bilinear(rgb, SIZE, SIZE)[np.newaxis]


@pytest.mark.parametrize("image", IMAGES)
def test_exact_conversion_matches_tfjs(
    reference: dict[str, object], exact_model: bytes, image: str
) -> None:
    name = Path(image).stem
    heatmap, wh = _run(exact_model, _input(reference, name))
    ref_heatmap = _tfjs_output(reference, name, "keypoints")[0].transpose(2, 0, 1)
    ref_wh = _tfjs_output(reference, name, "wh")[0].transpose(2, 0, 1)
    assert heatmap.shape == ref_heatmap.shape == (80, 128, 128)
    assert np.abs(heatmap - ref_heatmap).max() < 1e-4
    # box sides reach ~300 px; float32 rounding across the network stays far below a pixel
    assert np.abs(wh - ref_wh).max() < 0.05

    # our numpy decode against the graph's own decode (tower_0/detections): top 20 identical
    boxes, scores, classes = decode(heatmap, wh, np.arange(80), stride=4, min_score=0.0)
    ref = _tfjs_output(reference, name, "detections")[0]
    order = np.argsort(-scores, kind="stable")[:20]
    assert np.array_equal(classes[order], ref[:20, 5].astype(int))
    assert np.abs(scores[order] - ref[:20, 4]).max() < 1e-4
    assert np.diag(iou_matrix(boxes[order], ref[:20, :4])).min() > 0.999


def _human_like(heatmap: np.ndarray, wh: np.ndarray, classes: np.ndarray, shape: tuple[int, ...]):  # type: ignore[no-untyped-def]
    """Our decode with Human's post-processing: class-agnostic NMS at IoU 0.4, scores >= 0.1."""
    boxes, scores, cls = decode(heatmap, wh, classes, stride=4, min_score=0.1)
    keep = nms_per_class(boxes, scores, np.zeros_like(cls), 0.4)
    h, w = shape[:2]
    scale = np.array([w / SIZE, h / SIZE, w / SIZE, h / SIZE], np.float32)
    return boxes[keep] * scale, scores[keep], cls[keep]


def _match_human(
    result: dict[str, object],
    name: str,
    ours: tuple[np.ndarray, np.ndarray, np.ndarray],
    classes: set[int],
    min_score: float = 0.2,
) -> list[tuple[float, float]]:
    """Every Human detection >= min_score among ``classes`` matched: (score diff, IoU) pairs.

    Human's ``box`` is truncated to whole pixels (a 10 px phone loses up to 20% IoU to that
    alone); its ``boxRaw`` (x, y, w, h over the input size) is not, so boxes come from it.
    """
    boxes, scores, cls = ours
    h, w = result["_rgb"][name].shape[:2]  # type: ignore[index]
    human = [
        o
        for o in result[name + ".detect"]["objects"]  # type: ignore[index]
        if o["score"] >= min_score and o["class"] in classes
    ]
    pairs = []
    for obj in human:
        x, y, bw, bh = obj["boxRaw"]
        ref_box = np.array([[x * w, y * h, (x + bw) * w, (y + bh) * h]], np.float32)
        same = np.flatnonzero(cls == obj["class"])
        assert same.size, f"{name}: Human's {obj['label']} {obj['score']} not found"
        ious = iou_matrix(ref_box, boxes[same])[0]
        best = same[int(np.argmax(ious))]
        pairs.append((abs(float(scores[best]) - obj["score"]), float(ious.max())))
    return pairs


@pytest.mark.parametrize("image", IMAGES)
def test_end_to_end_matches_human_detect(
    reference: dict[str, object], exact_model: bytes, image: str
) -> None:
    name = Path(image).stem
    heatmap, wh = _run(exact_model, _input(reference, name))
    ours = _human_like(heatmap, wh, np.arange(80), reference["_rgb"][name].shape)  # type: ignore[index]
    pairs = _match_human(reference, name, ours, set(range(80)))
    assert pairs, f"{name}: Human found nothing at 0.2; pick another image"
    for score_diff, iou in pairs:
        # Human truncates scores to 2 decimals: up to 0.01 comes from that alone
        assert score_diff < 0.0101
        assert iou > 0.999


@pytest.mark.parametrize("image", IMAGES)
def test_product_model_close_to_tfjs(reference: dict[str, object], image: str) -> None:
    """The installed model (5 classes, fused hard-swish): how far the rewrite drifts."""
    name = Path(image).stem
    model = object_model_path("centernet", Settings().models_dir, verify=True).read_bytes()
    heatmap, wh = _run(model, _input(reference, name))
    ref_heatmap = _tfjs_output(reference, name, "keypoints")[0].transpose(2, 0, 1)
    kept = ref_heatmap[list(PRODUCT_CLASSES)]
    # measured: at most 7e-4 on these images (the exact conversion: 2e-6)
    assert np.abs(heatmap - kept).max() < 2e-3
    ours = _human_like(heatmap, wh, np.array(PRODUCT_CLASSES), reference["_rgb"][name].shape)  # type: ignore[index]
    for score_diff, iou in _match_human(reference, name, ours, set(PRODUCT_CLASSES)):
        assert score_diff < 0.012  # 0.01 of it is Human's truncation
        assert iou > 0.99
