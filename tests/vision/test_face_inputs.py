"""The face models' input and output shortcuts give what the plain ways give.

Letterboxing in place of a padded copy, a table lookup in place of float arithmetic, both eyes
in one batch, crops converted only where they sample, and box decoding by one affine map: each
is compared with the straightforward version on real frames and real models.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import pytest

from proctor.vision.detectors.faces import BlazeFace
from proctor.vision.detectors.landmarks import crop, roi_matrix, to_image
from proctor.vision.litert import LiteModel
from proctor.vision.models import face_model_path
from tests.conftest import decode_bgr, require_face_models

ReadImage = Callable[[str], bytes]


@pytest.fixture(scope="module", autouse=True)
def _models() -> None:
    require_face_models()


def _frame(evalset_image: ReadImage, name: str = "multi3_friends_bar.jpg") -> np.ndarray:
    return cv2.resize(decode_bgr(evalset_image(name)), (640, 480), interpolation=cv2.INTER_AREA)


def _plain_run(model: LiteModel, bgr: np.ndarray, scale: float, offset: float) -> list[np.ndarray]:
    """The model on ``RGB * scale + offset`` computed in floats and set as a copy."""
    interpreter = model._interpreter
    values = bgr[..., ::-1].astype(np.float32) * np.float32(scale) + np.float32(offset)
    interpreter.set_tensor(model._input_index, values.reshape(-1, *values.shape[-3:]))
    interpreter.invoke()
    return [interpreter.get_tensor(i) for i in model._output_indices]


def test_letterboxed_run_equals_a_padded_copy(evalset_image: ReadImage) -> None:
    model = LiteModel(face_model_path("face_full"))
    frame = _frame(evalset_image)
    resized = cv2.resize(frame, (192, 144), interpolation=cv2.INTER_LINEAR)
    padded = cv2.copyMakeBorder(resized, 24, 24, 0, 0, cv2.BORDER_CONSTANT, value=(0, 0, 0))
    fast = [o.copy() for o in model.run_image(resized, 2 / 255, -1.0, at=(24, 0))]
    plain = _plain_run(model, padded, 2 / 255, -1.0)
    for a, b in zip(fast, plain, strict=True):
        assert np.array_equal(a, b)
    # Portrait frames pad the sides (the lookup cannot write there in place).
    tall = np.ascontiguousarray(resized.transpose(1, 0, 2)[:, :128])
    sides = cv2.copyMakeBorder(tall, 0, 0, 32, 32, cv2.BORDER_CONSTANT, value=(0, 0, 0))
    fast = [o.copy() for o in model.run_image(tall, 2 / 255, -1.0, at=(0, 32))]
    for a, b in zip(fast, _plain_run(model, sides, 2 / 255, -1.0), strict=True):
        assert np.array_equal(a, b)


def test_both_eyes_in_one_batch_equal_two_runs(evalset_image: ReadImage) -> None:
    frame = _frame(evalset_image, "single_grace_hopper.jpg")
    single = LiteModel(face_model_path("iris"))
    batched = LiteModel(face_model_path("iris"), batch=2)
    eyes = np.stack(
        [crop(frame, roi_matrix((x, 200.0), 60.0, 0.1, 64), 64) for x in (280.0, 360.0)]
    )
    together = [o.copy() for o in batched.run_image(eyes, 1 / 255, 0.0)]
    for k in range(2):
        alone = [o.copy() for o in single.run_image(eyes[k], 1 / 255, 0.0)]
        for a, b in zip(together, alone, strict=True):
            assert np.array_equal(a.reshape(2, -1)[k], b.reshape(-1))


@pytest.mark.parametrize(
    ("centre", "size", "angle"),
    [
        ((320.0, 240.0), 300.0, 0.1),  # inside, rotated
        ((20.0, 30.0), 200.0, -0.4),  # over the top-left corner
        ((630.0, 470.0), 120.0, 2.0),  # over the bottom-right corner
        ((320.0, 240.0), 2000.0, 0.0),  # larger than the frame
        ((-500.0, 240.0), 100.0, 0.3),  # wholly outside
    ],
)
def test_crop_equals_a_whole_frame_warp(
    evalset_image: ReadImage, centre: tuple[float, float], size: float, angle: float
) -> None:
    frame = _frame(evalset_image)
    matrix = roi_matrix(centre, size, angle, 192)
    plain = cv2.warpAffine(
        cv2.cvtColor(frame, cv2.COLOR_BGR2RGBA),
        matrix,
        (192, 192),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_CONSTANT,
    )
    for got in (crop(frame, matrix, 192), crop(frame, matrix, 192, out=np.full_like(plain, 7))):
        differ = np.abs(got.astype(np.int16) - plain)
        # The shifted origin may round a sampling position the other way: one level, rarely.
        assert differ.max() <= 1 and (differ > 0).mean() < 1e-3
    out = np.full_like(plain, 7)
    assert crop(frame, matrix, 192, out=out) is out


@pytest.mark.parametrize(("height", "width"), [(480, 640), (640, 480), (300, 300)])
def test_decoding_by_one_affine_map_equals_the_formula(height: int, width: int) -> None:
    model = BlazeFace("face_full", num_threads=1, min_score=0.5)
    box = model.letterbox(height, width)
    size = model.size
    scale = size / max(height, width)
    pad_y, pad_x = box.at
    rng = np.random.default_rng(3)
    anchors = rng.integers(0, len(model.anchors), 20)
    raw = rng.normal(0, 20, (20, 16)).astype(np.float32)
    raw[:, 2:4] = np.abs(raw[:, 2:4]) + 5  # box width and height
    # MediaPipe's decoding in the model's input pixels, then the letterbox undone.
    centre = raw[:, 0:2] + model.anchors[anchors] * size
    corners = np.concatenate([centre - raw[:, 2:4] / 2, centre + raw[:, 2:4] / 2], axis=1)
    points = raw[:, 4:].reshape(-1, 6, 2) + model.anchors[anchors][:, None, :] * size
    expected = np.concatenate([corners.reshape(-1, 2, 2), points], axis=1) - [pad_x, pad_y]
    got = raw @ box.transform + box.bias[anchors]
    assert np.allclose(got.reshape(-1, 8, 2), expected / scale, atol=1e-3)


@pytest.mark.parametrize("mirror", [False, True])
def test_points_to_image_equal_the_formula(mirror: bool) -> None:
    matrix = roi_matrix((300.0, 200.0), 250.0, 0.3, 192, mirror=mirror)
    points = np.random.default_rng(5).uniform(0, 192, (468, 3)).astype(np.float32)
    xy = points[:, :2] @ matrix[:, :2].T + matrix[:, 2]
    z = points[:, 2] * np.hypot(matrix[0, 0], matrix[1, 0])
    got = to_image(points, matrix)
    assert np.allclose(got[:, :2], xy, atol=1e-3) and np.allclose(got[:, 2], z, atol=1e-3)
