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
    MirrorConfirmed,
    WithPhones,
    confirmed_by,
    live_phone_detector,
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
    """At its default threshold (measured: 0.65 of the 271 dev phones; CenterNet 0.56)."""
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
    """Unsure boxes (0.4-0.5) confirmed by the mirrored pass: 0.72 of the dev phones against
    0.65 for the model's one pass (measured; the 416 model before it: 0.68), and every phone the
    one pass finds."""
    one_pass = phone_detector(Settings())
    live = live_phone_detector(Settings())
    assert isinstance(live, MirrorConfirmed)
    rows = read_phone_boxes(evalset / "phones" / "phones.csv")
    found = {"one pass": 0, "second look": 0}
    total = 0
    for row in rows:
        image = read_bgr(evalset / "phones" / "images" / row.file)
        plain = [d.box for d in one_pass.detect(image)]
        looked = [d.box for d in live.detect(image)]
        assert set(plain) <= set(looked), row.file
        for truth in row.boxes:
            total += 1
            found["one pass"] += phone_found(plain, truth)
            found["second look"] += phone_found(looked, truth)
    assert found["second look"] >= found["one pass"] + 10, found
    assert found["second look"] / total >= 0.70, f"{found} of {total}"
    # The mirrored pass ran only on frames with an unsure box: not on most of them.
    assert 0 < live.second_looks < len(rows) / 2, live.second_looks


def test_an_unsure_box_stands_only_where_the_mirror_sees_a_phone(evalset: Path) -> None:
    """On frames where the second look ran, each box it added overlaps a mirrored-pass phone,
    and a mirrored pass that sees nothing adds nothing."""
    settings = Settings()
    live = live_phone_detector(settings)
    assert isinstance(live, MirrorConfirmed)
    probe = phone_detector(settings.model_copy(update={"phone_threshold": 0.3}))
    checked = 0
    for row in read_phone_boxes(evalset / "phones" / "phones.csv")[:80]:
        image = read_bgr(evalset / "phones" / "images" / row.file)
        looked = live.detect(image)
        mirror = [d.box for d in mirrored(probe.detect)(image)]
        for d in looked:
            if d.score < live.sure:
                checked += 1
                assert d.score >= live.unsure
                assert confirmed_by([d.box], mirror)[0], row.file
    assert checked >= 3, "no unsure box was confirmed on 80 dev frames"
    blank = np.full((480, 640, 3), 128, np.uint8)
    assert live.detect(blank) == []


def test_rarely_raises_a_phone_on_phone_free_images(evalset: Path) -> None:
    """Measured: 1 of the 37 phone-free images of the manifest (a small laptop, taken for a
    phone held close)."""
    detector = live_phone_detector(Settings())
    free = [
        r.file for r in read_manifest(evalset / "manifest.csv") if "cell_phone" not in r.objects
    ]
    alarms = [f for f in free if detector.detect(read_bgr(evalset / "images" / f))]
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
