"""The pipeline's faster paths give what the plain ones give.

Reduced JPEG decoding (large frames) must report boxes in the file's pixels; the short-range face
model, skipped when the full-range model is sure of every face, must not change a face count;
CenterNet's input and peak picking must equal their straightforward versions.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from proctor.config import Settings
from proctor.evaluation.faces import read_manifest
from proctor.vision.detectors.centernet import CenterNetDetector, max_pool3x3
from proctor.vision.detectors.faces import FaceDetector, fuse_faces
from proctor.vision.frames import decode_reduced
from proctor.vision.models import OBJECT_MODELS
from proctor.vision.pipeline import Pipeline
from tests.conftest import decode_bgr, read_bgr, require, with_models

ReadImage = Callable[[str], bytes]
LIMITS: dict[str, Any] = {"max_bytes": 10 * 1024 * 1024, "max_side": 4096}


def _jpeg(image: np.ndarray, width: int) -> bytes:
    height = round(width * image.shape[0] / image.shape[1])
    big = cv2.resize(image, (width, height), interpolation=cv2.INTER_CUBIC)
    return cv2.imencode(".jpg", big, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()


@pytest.fixture(scope="module")
def faces_only() -> Pipeline:
    return with_models(lambda: Pipeline(Settings(object_model="none")))


def test_large_jpeg_decodes_reduced(evalset_image: ReadImage) -> None:
    image = decode_bgr(evalset_image("multi3_friends_bar.jpg"))
    for width, decoded in ((640, 640), (1279, 1279), (1280, 640), (2560, 640)):
        out, size = decode_reduced(_jpeg(image, width), min_width=640, **LIMITS)
        assert out.shape[1] == decoded and size[0] == width
    out, size = decode_reduced(_jpeg(image, 1280), min_width=0, **LIMITS)
    assert out.shape[1] == 1280 and size[0] == 1280


def test_reduced_decode_reports_file_pixels(faces_only: Pipeline, evalset_image: ReadImage) -> None:
    image = decode_bgr(evalset_image("multi3_friends_bar.jpg"))
    base = faces_only.analyze_bytes(_jpeg(image, 640))
    for factor in (2, 4):
        obs = faces_only.analyze_bytes(_jpeg(image, 640 * factor))
        assert (obs.width, obs.height) == (640 * factor, 480 * factor)
        assert obs.face_count == base.face_count == 3
        for small, big in zip(base.faces, obs.faces, strict=True):
            side = small.box[2] - small.box[0]
            assert np.allclose(np.array(big.box) / factor, small.box, atol=0.05 * side)


def test_skipping_the_short_range_model_changes_no_face_count(
    faces_only: Pipeline, evalset: Path
) -> None:
    detector: FaceDetector = faces_only.faces
    skipped = 0
    for row in read_manifest(evalset):
        image = read_bgr(evalset / "images" / row.file)
        found = detector.detect(image)
        skipped += not detector.ran_short
        h, w = image.shape[:2]
        both = fuse_faces(
            detector._candidates(detector.short, image), detector._candidates(detector.full, image)
        )
        min_side = detector.min_face_ratio * min(h, w)
        reference = [f for f in both if f.score >= detector.min_score and f.size >= min_side]
        assert len(found) == len(reference), row.file
    assert skipped >= 15  # most single-face images need only the full-range model


def test_short_range_runs_when_unsure(faces_only: Pipeline, evalset_image: ReadImage) -> None:
    detector: FaceDetector = faces_only.faces
    faces_only.analyze_bytes(evalset_image("noface_coffee_cup.jpg"))
    assert detector.ran_short  # nothing sure: the second model may find what the first missed
    faces_only.analyze_bytes(evalset_image("single_grace_hopper.jpg"))
    assert not detector.ran_short


def _max_pool_reference(heatmap: np.ndarray) -> np.ndarray:
    padded = np.pad(heatmap, ((0, 0), (1, 1), (1, 1)), constant_values=-np.inf)
    h, w = heatmap.shape[1:]
    shifted = [padded[:, dy : dy + h, dx : dx + w] for dy in range(3) for dx in range(3)]
    result: np.ndarray = np.max(np.stack(shifted), axis=0)
    return result


@pytest.mark.parametrize("shape", [(5, 96, 128), (5, 1, 1), (2, 3, 7)])
def test_max_pool_equals_the_reference(shape: tuple[int, int, int]) -> None:
    rng = np.random.default_rng(7)
    heatmap = rng.normal(size=shape).astype(np.float32)
    assert np.array_equal(max_pool3x3(heatmap), _max_pool_reference(heatmap))


@pytest.mark.models
def test_centernet_input_equals_the_plain_one(evalset_image: ReadImage) -> None:
    settings = Settings()
    path = settings.models_dir / OBJECT_MODELS["centernet"].filename
    require(path.is_file(), f"{path} is not installed: run `make models`")
    detector = CenterNetDetector(path)
    image = decode_bgr(evalset_image("multi3_friends_bar.jpg"))
    for frame in (cv2.resize(image, (640, 480)), image):  # no padding, then padding
        tensor, scale = detector.prepare(frame)
        h, w = frame.shape[:2]
        nh, nw = round(h * scale), round(w * scale)
        resized = cv2.resize(frame, (nw, nh), interpolation=cv2.INTER_LINEAR)
        plain = np.zeros_like(tensor)
        plain[0, :nh, :nw] = resized[:, :, ::-1]
        assert tensor.dtype == np.float32 and np.array_equal(tensor, plain)
