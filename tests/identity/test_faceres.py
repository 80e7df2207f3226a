"""Human's faceres, converted by the project's TF.js converter: the comparison model gives the
same decisions as dlib's on the evaluation set's clear cases."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from proctor.identity.verify import Verifier
from tests.conftest import read_bgr, with_models


@pytest.mark.models
def test_faceres_tells_the_same_man_from_other_people(evalset: Path) -> None:
    verifier = with_models(lambda: Verifier("faceres"))
    videos, images = evalset / "videos", evalset / "images"
    frames = []
    for name, index in (
        ("webcam_gaze_center_focus.mp4", 0),
        ("webcam_gaze_center_right_center.mp4", 60),
        ("webcam_woman_thumbsup.mp4", 30),
    ):
        cap = cv2.VideoCapture(str(videos / name))
        cap.set(cv2.CAP_PROP_POS_FRAMES, index)
        ok, frame = cap.read()
        cap.release()
        assert ok, name
        frames.append(verifier.embedding(frame))
    enrolment, later, woman = frames
    assert verifier.match(enrolment, later).same_person is True
    assert verifier.match(enrolment, woman).same_person is False
    obama = verifier.embedding(read_bgr(images / "single_obama_pressroom.jpg"))
    hopper = verifier.embedding(read_bgr(images / "single_grace_hopper.jpg"))
    assert verifier.match(obama, hopper).same_person is False
