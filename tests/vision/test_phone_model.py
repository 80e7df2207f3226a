"""The project's phone model: verified by SHA-256, finds phones held up at a webcam, and runs
beside the object model, which keeps every other label."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from proctor.config import Settings
from proctor.evaluation.faces import read_manifest
from proctor.evaluation.objects import phone_found, read_phone_boxes
from proctor.vision.detectors.base import ModelMissingError, create
from proctor.vision.detectors.phone import (
    PHONE,
    SecondLook,
    WithPhones,
    confirmed_by,
    mirrored,
    phone_detector,
)
from proctor.vision.models import BUNDLED_MODELS, WEIGHTS_DIR, bundled_model_path, model_statuses
from tests.conftest import read_bgr, with_models


def test_the_shipped_model_verifies() -> None:
    path = bundled_model_path("phone")
    assert path.stat().st_size <= 10 * 1024 * 1024
    status = {m.name: m for m in model_statuses(Settings().models_dir)}["phone"]
    assert status.ok, status


def test_a_damaged_or_missing_model_is_refused_by_name(tmp_path: Path) -> None:
    name = BUNDLED_MODELS["phone"].filename
    shutil.copy(WEIGHTS_DIR / name, tmp_path / name)
    data = bytearray((tmp_path / name).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tmp_path / name).write_bytes(bytes(data))
    with pytest.raises(ModelMissingError, match="damaged or replaced"):
        bundled_model_path("phone", tmp_path)
    (tmp_path / name).unlink()
    with pytest.raises(ModelMissingError, match="missing"):
        bundled_model_path("phone", tmp_path)


def test_finds_phones_held_up_on_dev_frames(evalset: Path) -> None:
    """At its default threshold (measured: 0.71 of the 271 dev phones; CenterNet 0.56)."""
    detector = phone_detector(Settings())
    rows = read_phone_boxes(evalset / "phones" / "phones.csv")
    found = total = 0
    for row in rows:
        boxes = [d.box for d in detector.detect(read_bgr(evalset / "phones" / "images" / row.file))]
        for truth in row.boxes:
            total += 1
            found += phone_found(boxes, truth)
    assert found / total >= 0.6, f"found {found} of {total} phones"


def test_the_second_look_finds_more_phones_on_dev_frames(evalset: Path) -> None:
    """The default detector: unsure boxes confirmed by CenterNet's phones (from 0.1) or by the
    mirrored pass (from 0.3). Measured: 0.83 of the dev phones against 0.71 for the model's one
    pass, and every phone the one pass finds."""
    one_pass = phone_detector(Settings())
    live = with_models(lambda: create(Settings()))
    assert isinstance(live, WithPhones) and isinstance(live.phones, SecondLook)
    rows = read_phone_boxes(evalset / "phones" / "phones.csv")
    found = {"one pass": 0, "second look": 0}
    total = 0
    for row in rows:
        image = read_bgr(evalset / "phones" / "images" / row.file)
        plain = [d.box for d in one_pass.detect(image)]
        looked = [d.box for d in live.detect(image) if d.label == PHONE]
        assert set(plain) <= set(looked), row.file
        for truth in row.boxes:
            total += 1
            found["one pass"] += phone_found(plain, truth)
            found["second look"] += phone_found(looked, truth)
    assert found["second look"] >= found["one pass"] + 20, found
    assert found["second look"] / total >= 0.8, f"{found} of {total}"
    # The mirrored pass ran only on frames with an unsure box CenterNet left unconfirmed.
    assert 0 < live.phones.second_looks < len(rows) / 3, live.phones.second_looks


def test_an_unsure_box_stands_only_where_a_second_opinion_sees_a_phone(evalset: Path) -> None:
    """On the dev frames, each box under the threshold overlaps a phone of CenterNet (for boxes
    from 0.1) or of the mirrored pass (from 0.3); seeing nothing, neither adds anything."""
    settings = Settings()
    live = with_models(lambda: create(settings))
    assert isinstance(live, WithPhones) and isinstance(live.phones, SecondLook)
    look = live.phones
    centernet = with_models(lambda: create(settings.model_copy(update={"phone_model": "none"})))
    centernet.thresholds = {  # type: ignore[attr-defined]
        **centernet.thresholds,  # type: ignore[attr-defined]
        PHONE: settings.phone_object_score,
    }
    probe = phone_detector(settings.model_copy(update={"phone_threshold": look.mirror}))
    checked = {"CenterNet": 0, "mirror": 0}
    for row in read_phone_boxes(evalset / "phones" / "phones.csv")[:120]:
        image = read_bgr(evalset / "phones" / "images" / row.file)
        cn = [d.box for d in centernet.detect(image) if d.label == PHONE]
        mirror = [d.box for d in mirrored(probe.detect)(image)]
        for d in (d for d in live.detect(image) if d.label == PHONE and d.score < look.sure):
            by_cn = d.score >= look.object_unsure and bool(confirmed_by([d.box], cn)[0])
            by_mirror = d.score >= look.unsure and bool(confirmed_by([d.box], mirror)[0])
            assert by_cn or by_mirror, (row.file, d)
            checked["CenterNet" if by_cn else "mirror"] += 1
    assert min(checked.values()) >= 3, checked
    blank = np.full((480, 640, 3), 128, np.uint8)
    assert [d for d in live.detect(blank) if d.label == PHONE] == []
    # An unsure box with no second opinion at all is dropped.
    alone = SecondLook(probe, unsure=1.0, mirror=1.0, object_unsure=look.object_unsure)
    alone.thresholds = {PHONE: 1.0}
    image = read_bgr(
        evalset / "phones" / "images" / read_phone_boxes(evalset / "phones" / "phones.csv")[0].file
    )
    assert alone.detect(image) == [] and alone.second_looks == 0


def test_rarely_raises_a_phone_on_phone_free_images(evalset: Path) -> None:
    """Measured: 1 of the 37 phone-free images of the manifest (a small laptop, taken for a
    phone held close), for the one pass and the default detector alike."""
    detector = with_models(lambda: create(Settings()))
    free = [
        r.file for r in read_manifest(evalset / "manifest.csv") if "cell_phone" not in r.objects
    ]
    alarms = [
        f
        for f in free
        if any(d.label == PHONE for d in detector.detect(read_bgr(evalset / "images" / f)))
    ]
    assert len(free) == 37 and len(alarms) <= 2, alarms


def test_default_detector_takes_phones_from_the_phone_model(evalset: Path) -> None:
    detector = with_models(lambda: create(Settings()))
    assert isinstance(detector, WithPhones)
    image = read_bgr(evalset / "images" / "laptop_overshoulder_phone_noface.jpg")
    labels = {d.label for d in detector.detect(image)}
    assert "laptop" in labels, "the object model still answers for laptops"
    plain = with_models(lambda: create(Settings(phone_model="none")))
    assert not isinstance(plain, WithPhones)
    # Thresholds set on the combined detector reach the model that owns each label.
    detector.thresholds = {"cell_phone": 0.9, "laptop": 0.2}
    assert detector.thresholds["cell_phone"] == 0.9 and detector.thresholds["laptop"] == 0.2
    # CenterNet keeps reporting the phones that confirm the phone model's unsure boxes.
    assert detector.base.thresholds["cell_phone"] == Settings().phone_object_score  # type: ignore[attr-defined]
