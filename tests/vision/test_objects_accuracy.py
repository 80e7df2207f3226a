"""Object scoring functions, and the default detector's accuracy on the evaluation set.

The accuracy test holds the numbers the product promises (image level, per label: precision
>= 0.75 and recall >= 0.5; extra_person recall >= 0.6) so a change that loses them fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from proctor.config import Settings
from proctor.evaluation.faces import ManifestRow, read_manifest
from proctor.evaluation.objects import (
    image_labels,
    phone_found,
    read_phone_boxes,
    run_images,
    score_image_labels,
    score_phones,
)
from proctor.vision.detectors.base import create
from proctor.vision.models import OBJECT_MODELS
from proctor.vision.types import Detection
from tests.conftest import require


def test_phone_found_by_centre_or_overlap() -> None:
    truth = (100.0, 100.0, 200.0, 300.0)
    assert phone_found([(90, 90, 250, 250)], truth)  # centre inside
    assert phone_found([(40, 100, 150, 300)], truth)  # centre outside, IoU 0.31
    assert not phone_found([(0, 0, 120, 120)], truth)
    assert not phone_found([], truth)


def test_image_labels_from_detections() -> None:
    dets = [
        Detection("monitor", 0.5, (0, 0, 1, 1)),
        Detection("person", 0.5, (0, 0, 1, 1)),
        Detection("person", 0.4, (2, 2, 3, 3)),
    ]
    assert image_labels(dets) == {"monitor_tv", "extra_person"}
    assert image_labels(dets[:2]) == {"monitor_tv"}


def test_image_label_scores_count_per_label() -> None:
    rows = [
        ManifestRow("a.jpg", 1, False, "phone", frozenset({"cell_phone"})),
        ManifestRow("b.jpg", 1, False, "single"),
        ManifestRow("c.jpg", 1, False, "book", frozenset({"book", "cell_phone"})),
    ]
    scores = score_image_labels({"a.jpg": {"cell_phone"}, "b.jpg": {"cell_phone", "book"}}, rows)
    phone, book = scores["cell_phone"], scores["book"]
    assert (phone.tp, phone.fp, phone.fn) == (1, 1, 1)
    assert phone.false_positives == ["b.jpg"] and phone.misses == ["c.jpg"]
    assert (book.tp, book.fp, book.fn) == (0, 1, 1)
    assert phone.precision == 0.5 and phone.recall == 0.5 and phone.f1 == 0.5


def test_phones_csv_is_read(evalset: Path) -> None:
    rows = read_phone_boxes(evalset / "phones" / "phones.csv")
    assert len(rows) == 252
    assert all(rows_box for row in rows for rows_box in row.boxes)
    x1, y1, x2, y2 = rows[0].boxes[0]
    assert 0 <= x1 < x2 <= 640 and 0 <= y1 < y2 <= 640


@pytest.mark.models
@pytest.mark.slow
def test_default_detector_meets_the_numbers(evalset: Path) -> None:
    settings = Settings()
    model = settings.models_dir / OBJECT_MODELS["centernet"].filename
    require(model.is_file(), f"{model} is not installed: run `make models`")
    detector = create(settings)
    manifest = read_manifest(evalset / "manifest.csv")
    found = run_images(detector.detect, evalset / "images", [r.file for r in manifest])
    labels = {name: image_labels(dets) for name, dets in found.items()}
    scores = score_image_labels(labels, manifest)
    for label in ("book", "laptop", "monitor_tv"):
        assert scores[label].precision >= 0.75, (label, scores[label])
        assert scores[label].recall >= 0.5, (label, scores[label])
    assert scores["extra_person"].recall >= 0.6, scores["extra_person"]
    # Phones come from the phone model, trained for phones held up at a webcam. The manifest's
    # phone photos are mostly calls at the ear in the street: it finds 2 of 5 there with its
    # second look (CenterNet alone 4 of 5, held by
    # test_object_model_alone_still_finds_phones_at_the_ear), a known limit named in its model
    # card; it must not get worse, nor raise more false alarms.
    assert scores["cell_phone"].tp >= 2 and scores["cell_phone"].fp <= 1, scores["cell_phone"]

    phone_rows = read_phone_boxes(evalset / "phones" / "phones.csv")
    phone_dets = run_images(
        detector.detect, evalset / "phones" / "images", [r.file for r in phone_rows]
    )
    boxes = {f: [d.box for d in dets if d.label == "cell_phone"] for f, dets in phone_dets.items()}
    phones = score_phones(boxes, phone_rows, labels, manifest)
    # measured 0.68 recall and 1 false alarm in 37 (docs/EVALUATION.md; CenterNet: 0.56)
    assert phones.recall >= 0.66
    assert phones.false_alarm_rate <= 0.06


@pytest.mark.models
def test_object_model_alone_still_finds_phones_at_the_ear(evalset: Path) -> None:
    """With PROCTOR_PHONE_MODEL=none, CenterNet answers for phones as before."""
    settings = Settings(phone_model="none")
    model = settings.models_dir / OBJECT_MODELS["centernet"].filename
    require(model.is_file(), f"{model} is not installed: run `make models`")
    detector = create(settings)
    manifest = read_manifest(evalset / "manifest.csv")
    found = run_images(detector.detect, evalset / "images", [r.file for r in manifest])
    labels = {name: image_labels(dets) for name, dets in found.items()}
    phone = score_image_labels(labels, manifest)["cell_phone"]
    assert phone.precision >= 0.75 and phone.recall >= 0.5, phone
