"""Object detectors on real evaluation images, through the registry and the settings.

These test the object models themselves, phones included, so the phone model that answers for
phones by default is turned off here (it has tests of its own in test_phone_model.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from proctor.config import Settings
from proctor.vision.detectors.base import ModelMissingError, ObjectDetector, available, create
from proctor.vision.detectors.common import nms_per_class
from proctor.vision.models import OBJECT_MODELS
from tests.conftest import SHARED_MODELS_DIR, read_bgr, require

OBJECTS = {"cell_phone", "book", "laptop", "monitor"}
YOLOX = SHARED_MODELS_DIR / "yolox_nano.onnx"


def _image(evalset: Path, name: str) -> np.ndarray:
    return read_bgr(evalset / "images" / name)


@pytest.fixture(scope="module")
def centernet() -> ObjectDetector:
    settings = Settings(phone_model="none")
    model = settings.models_dir / OBJECT_MODELS["centernet"].filename
    require(model.is_file(), f"{model} is not installed: run `make models`")
    return create(settings)


@pytest.fixture(scope="module")
def yolox() -> ObjectDetector:
    require(YOLOX.is_file(), f"{YOLOX} not found (../shared/models)")
    return create(Settings(phone_model="none", object_model="onnx-yolox", object_model_path=YOLOX))


def _labels(detector: ObjectDetector, image: np.ndarray) -> set[str]:
    return {d.label for d in detector.detect(image)}


@pytest.mark.models
def test_centernet_finds_the_phone(centernet: ObjectDetector, evalset: Path) -> None:
    image = _image(evalset, "phone_three_women_calls.jpg")
    found = centernet.detect(image)
    phones = [d for d in found if d.label == "cell_phone"]
    assert phones
    h, w = image.shape[:2]
    for d in found:
        x1, y1, x2, y2 = d.box
        assert 0 <= x1 < x2 <= w and 0 <= y1 < y2 <= h
    # the three women are people too
    assert sum(d.label == "person" for d in found) >= 2
    assert centernet.invoke_ms() > 0


@pytest.mark.models
def test_centernet_finds_the_laptop(centernet: ObjectDetector, evalset: Path) -> None:
    assert "laptop" in _labels(centernet, _image(evalset, "laptop_woman_xo_tv.jpg"))


@pytest.mark.models
def test_centernet_portrait_has_no_objects(centernet: ObjectDetector, evalset: Path) -> None:
    for name in ("single_grace_hopper.jpg", "single_woman_plain_bg.jpg"):
        labels = _labels(centernet, _image(evalset, name))
        assert not labels & OBJECTS, name
        assert "person" in labels, name


@pytest.mark.models
def test_centernet_any_aspect_ratio(centernet: ObjectDetector, evalset: Path) -> None:
    """Portrait, landscape and tiny frames all work (the canvas follows the frame's shape)."""
    for name in ("away_webcam_eyes_right.jpg", "noface_cartoon.jpg", "multi2_obama_biden.jpg"):
        image = _image(evalset, name)
        for d in centernet.detect(image):
            assert d.box[2] <= image.shape[1] and d.box[3] <= image.shape[0]


@pytest.mark.models
def test_thresholds_from_settings(evalset: Path) -> None:
    settings = Settings(phone_model="none", object_thresholds={"cell_phone": 0.99})
    require((settings.models_dir / OBJECT_MODELS["centernet"].filename).is_file(), "make models")
    detector = create(settings)
    assert "cell_phone" not in _labels(detector, _image(evalset, "phone_three_women_calls.jpg"))


def test_yolox_plugin_through_settings(yolox: ObjectDetector, evalset: Path) -> None:
    assert yolox.name == "onnx-yolox"
    assert "laptop" in _labels(yolox, _image(evalset, "laptop_woman_xo_tv.jpg"))
    assert "cell_phone" in _labels(yolox, _image(evalset, "phone_man_street_call.jpg"))
    assert not _labels(yolox, _image(evalset, "single_grace_hopper.jpg")) & OBJECTS
    assert yolox.invoke_ms() > 0


def test_yolox_label_map(tmp_path: Path, evalset: Path) -> None:
    require(YOLOX.is_file(), f"{YOLOX} not found (../shared/models)")
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps({"63": "laptop"}))
    detector = create(
        Settings(
            phone_model="none",
            object_model="onnx-yolox",
            object_model_path=YOLOX,
            object_model_labels=labels,
        )
    )
    assert _labels(detector, _image(evalset, "laptop_woman_xo_tv.jpg")) == {"laptop"}


def test_bad_label_map_is_refused(tmp_path: Path) -> None:
    require(YOLOX.is_file(), f"{YOLOX} not found (../shared/models)")
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps({"67": "phone"}))
    with pytest.raises(ValueError, match="'phone' is not a class id mapped"):
        create(
            Settings(
                phone_model="none",
                object_model="onnx-yolox",
                object_model_path=YOLOX,
                object_model_labels=labels,
            )
        )


def test_bad_model_path_names_the_setting(tmp_path: Path) -> None:
    missing = tmp_path / "nope.onnx"
    with pytest.raises(ModelMissingError, match="PROCTOR_OBJECT_MODEL_PATH"):
        create(Settings(phone_model="none", object_model="onnx-yolox", object_model_path=missing))


def test_missing_centernet_names_the_install_command(tmp_path: Path) -> None:
    with pytest.raises(ModelMissingError, match="proctor models install"):
        create(Settings(phone_model="none", models_dir=tmp_path))


def test_unknown_detector_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="known: centernet, none, onnx-yolox"):
        create(
            Settings(phone_model="none", object_model="detr", object_model_path=tmp_path / "x.onnx")
        )
    assert {"centernet", "none", "onnx-yolox"} <= set(available())


def test_none_detector(evalset: Path) -> None:
    detector = create(Settings(phone_model="none", object_model="none"))
    assert detector.detect(_image(evalset, "phone_three_women_calls.jpg")) == []


def test_nms_is_per_class() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 1, 10, 10], [0, 0, 10, 10], [50, 50, 60, 60]], np.float32)
    scores = np.array([0.9, 0.8, 0.7, 0.6], np.float32)
    classes = np.array([0, 0, 1, 0])
    # box 1 overlaps box 0 of its class; box 2 overlaps too but is another class
    assert nms_per_class(boxes, scores, classes, 0.5).tolist() == [0, 2, 3]


@pytest.mark.models
def test_second_look_finds_a_held_up_phone(evalset: Path) -> None:
    """phone_dev_028: a phone held up in front of the face, missed by the full-frame pass."""
    settings = Settings(phone_model="none", object_second_look=True)
    require((settings.models_dir / OBJECT_MODELS["centernet"].filename).is_file(), "make models")
    image = read_bgr(evalset / "phones" / "images" / "phone_dev_028.jpg")
    assert "cell_phone" not in _labels(create(Settings(phone_model="none")), image)
    looked_twice = create(settings)
    phones = [d for d in looked_twice.detect(image) if d.label == "cell_phone"]
    assert phones
    x1, y1, x2, y2 = phones[0].box
    assert 0 <= x1 < x2 <= image.shape[1] and 0 <= y1 < y2 <= image.shape[0]
