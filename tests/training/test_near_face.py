"""Phones beside a face, found with the product's face detector on real dev frames, so that
training can weigh the frames the model misses most."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from training.phone import data, near_face

from proctor.evaluation.objects import read_phone_boxes
from proctor.vision.detectors.faces import FaceBox


def face_with_ears(left: tuple[float, float], right: tuple[float, float]) -> FaceBox:
    points = np.zeros((6, 2), np.float32)
    points[4], points[5] = left, right
    return FaceBox((100.0, 100.0, 200.0, 200.0), 0.9, points)


def test_a_phone_at_an_ear_is_beside_the_face_and_one_at_arms_length_is_not() -> None:
    face = face_with_ears((100.0, 150.0), (200.0, 150.0))  # a face 100 px across
    at_ear = np.array([[190.0, 120.0, 240.0, 200.0]], np.float32)  # centre (215, 160)
    held_out = np.array([[400.0, 300.0, 460.0, 400.0]], np.float32)
    assert near_face.phone_beside_face(at_ear, [face])
    assert not near_face.phone_beside_face(held_out, [face])
    assert not near_face.phone_beside_face(at_ear, [])


@pytest.mark.parametrize(
    ("frame", "beside"),
    [
        ("phone_dev_107.jpg", True),  # a phone at the ear, mostly hidden by the hand
        ("phone_dev_168.jpg", True),  # a call, the phone against the cheek
        ("phone_dev_176.jpg", False),  # a phone held at the chest
        ("phone_dev_175.jpg", False),  # phones on show, no one in view
    ],
)
def test_dev_frames_with_a_phone_at_the_ear_are_found(
    evalset: Path, frame: str, beside: bool
) -> None:
    rows = {r.file: r for r in read_phone_boxes(evalset / "phones" / "phones.csv")}
    boxes = np.array(rows[frame].boxes, np.float32).reshape(-1, 4)
    item = data.Item(evalset / "phones" / "images" / frame, boxes)
    assert near_face.beside_face([item]) == ([item] if beside else [])


def test_phone_free_items_are_never_beside_a_face(evalset: Path) -> None:
    item = data.Item(evalset / "phones" / "images" / "phone_dev_107.jpg", np.zeros((0, 4)))
    assert near_face.beside_face([item]) == []
