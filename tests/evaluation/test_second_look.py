"""The second look at phones: its rules, and the mirrored pass on the real phone model."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from proctor.config import Settings
from proctor.evaluation.objects import phone_found, read_phone_boxes
from proctor.evaluation.phones import Runs
from proctor.evaluation.second_look import (
    at_input_size,
    both,
    confirmed,
    held_out_gains,
    united,
)
from proctor.vision.detectors.common import iou_matrix
from proctor.vision.detectors.phone import confirmed_by, mirrored, phone_detector
from proctor.vision.types import Box
from tests.conftest import read_bgr, with_models

PHONE = (100.0, 100.0, 200.0, 300.0)
NEAR = (110.0, 120.0, 210.0, 310.0)  # IoU 0.71 with PHONE
APART = (400.0, 100.0, 500.0, 300.0)


def test_a_box_is_confirmed_by_one_that_overlaps_it() -> None:
    overlaps = iou_matrix(np.array([PHONE]), np.array([PHONE, APART, NEAR]))[0]
    assert overlaps[0] == 1.0
    assert overlaps[1] == 0.0
    assert abs(overlaps[2] - 16200 / 22800) < 1e-9
    assert confirmed_by([PHONE, APART], [NEAR]).tolist() == [True, False]
    assert confirmed_by([PHONE], []).tolist() == [False]
    assert confirmed_by([], [NEAR]).tolist() == []


def test_a_low_box_stands_only_when_confirmed_where_it_is() -> None:
    own = [(PHONE, 0.3)]
    assert confirmed(own, [(NEAR, 0.5)], high=0.5, low=0.25, least=0.4) == [(PHONE, 1.0)]
    assert confirmed(own, [(APART, 0.9)], high=0.5, low=0.25, least=0.4) == []
    assert confirmed(own, [(NEAR, 0.3)], high=0.5, low=0.25, least=0.4) == []  # too unsure
    assert confirmed([(PHONE, 0.2)], [(NEAR, 0.9)], high=0.5, low=0.25, least=0.4) == []
    assert confirmed([(PHONE, 0.6)], [], high=0.5, low=0.25, least=0.4) == [(PHONE, 1.0)]


def test_united_keeps_both_opinions_above_their_thresholds() -> None:
    got = united([(PHONE, 0.6), (NEAR, 0.4)], [(APART, 0.5), (NEAR, 0.2)], high=0.5, least=0.45)
    assert got == [(PHONE, 1.0), (APART, 1.0)]


def test_both_opinions_confirm_each_from_its_own_score() -> None:
    scores = {"high": 0.5, "unsure": 0.35, "mirror_least": 0.3}
    scores |= {"object_unsure": 0.15, "object_least": 0.1}
    own = [(PHONE, 0.3), (APART, 0.2)]
    assert both(own, [(NEAR, 0.9)], [], **scores) == []  # the mirror confirms from 0.35 only
    assert both(own, [], [(APART, 0.12)], **scores) == [(APART, 1.0)]  # CenterNet from 0.15
    assert both(own, [], [(APART, 0.08)], **scores) == []  # too unsure a CenterNet phone
    # A box both opinions confirm stands once; a sure one needs neither.
    assert both([(PHONE, 0.4)], [(NEAR, 0.3)], [(NEAR, 0.2)], **scores) == [(PHONE, 1.0)]
    assert both([(PHONE, 0.6)], [], [], **scores) == [(PHONE, 1.0)]


def test_the_held_out_check_scores_a_pick_on_the_half_it_was_not_picked_on() -> None:
    truth: dict[str, tuple[Box, ...]] = {f"{g}{i}": (PHONE,) for g in "ab" for i in range(2)}
    groups = {f: f[0] for f in truth}

    def runs(found: set[str], alarms: int) -> Runs:
        out = Runs("r", 1.0)
        out.frames = {f: [(PHONE, 1.0)] if f in found else [] for f in truth}
        out.stills = {str(i): [(PHONE, 1.0)] if i < alarms else [] for i in range(20)}
        return out

    before = runs(set(), 0)
    # one setting finds every phone but alarms too often; the other finds group a's only
    noisy, fair = (0.5, 0.1, 0.1, 0.1, 0.1), (0.5, 0.2, 0.2, 0.2, 0.2)
    candidates = {noisy: runs(set(truth), 5), fair: runs({"a0", "a1"}, 1)}
    gains, picks = held_out_gains(candidates, before, truth, groups, rounds=20)
    assert picks == {fair: 20}  # the noisy one is over 5% and never picked
    assert sorted(set(gains)) == [0.0, 1.0]  # held out: group a found all, group b none


def test_the_mirrored_pass_finds_the_phones_where_they_are(evalset: Path) -> None:
    detector = with_models(lambda: phone_detector(Settings()))
    rows = read_phone_boxes(evalset / "phones" / "phones.csv")[:12]
    found = 0
    for row in rows:
        image = read_bgr(evalset / "phones" / "images" / row.file)
        boxes = [d.box for d in mirrored(detector.detect)(image)]
        found += sum(phone_found(boxes, truth) for truth in row.boxes)
        # Mirroring the frame first undoes the pass's own mirror: the plain model's boxes.
        twice = mirrored(mirrored(detector.detect))(image)
        plain = detector.detect(image)
        assert [d.score for d in twice] == [d.score for d in plain]
        for a, b in zip(twice, plain, strict=True):
            assert max(abs(p - q) for p, q in zip(a.box, b.box, strict=True)) < 1e-3
    assert found >= 6, f"the mirrored pass found {found} of the phones of {len(rows)} frames"


def test_the_model_at_another_input_size(evalset: Path, tmp_path: Path) -> None:
    from proctor.vision.detectors.phone import PHONE, PHONE_CLASS
    from proctor.vision.detectors.yolox import YoloxDetector
    from proctor.vision.models import bundled_model_path

    shipped = with_models(lambda: phone_detector(Settings()))
    side, wider = shipped.height, shipped.height + 96
    same = at_input_size(bundled_model_path("phone"), side, tmp_path / "same.onnx")
    larger = at_input_size(bundled_model_path("phone"), wider, tmp_path / "larger.onnx")
    labels, thresholds = {PHONE_CLASS: PHONE}, shipped.thresholds
    at_same = YoloxDetector(same, labels=labels, thresholds=thresholds)
    at_larger = YoloxDetector(larger, labels=labels, thresholds=thresholds)
    cells = sum((wider // stride) ** 2 for stride in (8, 16, 32))
    assert (at_larger.height, at_larger.width, len(at_larger.cells)) == (wider, wider, cells)
    row = read_phone_boxes(evalset / "phones" / "phones.csv")[0]
    image = read_bgr(evalset / "phones" / "images" / row.file)
    assert at_same.detect(image) == shipped.detect(image)
    assert phone_found([d.box for d in at_larger.detect(image)], row.boxes[0])
