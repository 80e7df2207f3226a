"""Enrolment verdicts, the check window and the side-by-side evidence, with the real models on
the evaluation set's photos and webcam clips."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from proctor.identity.embedders import DlibEmbedder, cosine
from proctor.identity.enrol import ENROL_MIN_FACE_PX, assess
from proctor.identity.evidence import SIDE, side_by_side
from proctor.identity.faces import FaceFinder
from proctor.identity.verify import THRESHOLDS
from proctor.identity.window import UNVERIFIED_SLOWDOWN, CheckWindow
from tests.conftest import decode_bgr, read_bgr, with_models
from tests.identity.frames import MAN, MAN_LATER, WOMAN, clip_frame, jpeg


@pytest.fixture(scope="module")
def models() -> tuple[FaceFinder, DlibEmbedder]:
    return with_models(lambda: (FaceFinder(), DlibEmbedder()))


@pytest.mark.models
def test_a_webcam_face_is_enrolled_and_recognised_later(
    models: tuple[FaceFinder, DlibEmbedder], evalset: Path
) -> None:
    finder, embedder = models
    first = assess(clip_frame(evalset, MAN), finder, embedder)
    assert first.problem is None and first.faces == 1 and first.embedding is not None
    assert first.face is not None and first.face.size >= ENROL_MIN_FACE_PX
    later = assess(clip_frame(evalset, MAN_LATER, 60), finder, embedder)
    other = assess(clip_frame(evalset, WOMAN), finder, embedder)
    assert later.embedding is not None and other.embedding is not None
    assert cosine(first.embedding, later.embedding) >= THRESHOLDS["dlib"]
    assert cosine(first.embedding, other.embedding) < THRESHOLDS["dlib"]


@pytest.mark.models
def test_each_problem_is_named(models: tuple[FaceFinder, DlibEmbedder], evalset: Path) -> None:
    finder, embedder = models
    images, man = evalset / "images", clip_frame(evalset, MAN)
    h, w = man.shape[:2]
    cases = {
        "no_face": read_bgr(images / "noface_coffee_cup.jpg"),
        "not_alone": read_bgr(images / "multi2_kids_closeup.jpg"),
        "too_small": cv2.resize(man, (w // 4, h // 4), interpolation=cv2.INTER_AREA),
        "too_dark": (man * 0.3).astype(np.uint8),
        "blurred": cv2.GaussianBlur(man, (0, 0), 6),
    }
    for problem, image in cases.items():
        verdict = assess(image, finder, embedder)
        assert verdict.problem == problem, (problem, verdict)
        assert verdict.embedding is None  # nothing is described from a refused photo
        assert verdict.message


def status(window: CheckWindow) -> str:
    return window.status  # read afresh (mypy would keep the first assert's narrowing)


def test_a_sustained_mismatch_starts_once_and_ends() -> None:
    window = CheckWindow(every_s=10, size=4, needed=3)
    assert window.status == "pending" and window.due(0.0)
    window.started(0.0)
    assert not window.due(9.9) and window.due(10.0)
    changes = [window.add(r) for r in (True, False, False)]
    assert changes == [None, None, None] and status(window) == "uncertain"
    assert window.add(False) == "start" and status(window) == "unverified"
    assert window.add(False) is None  # still the same mismatch: one event
    assert [window.add(True) for _ in range(2)] == [None, "end"]
    assert status(window) == "verified" and window.mismatches == 4 and window.checks == 7


def test_checks_slow_down_while_a_mismatch_is_sustained() -> None:
    window = CheckWindow(every_s=10, size=4, needed=3)
    for result in (False, False, False):
        window.add(result)
    assert window.status == "unverified"
    window.started(100.0)
    assert not window.due(100.0 + 10 * UNVERIFIED_SLOWDOWN - 0.1)
    assert window.due(100.0 + 10 * UNVERIFIED_SLOWDOWN)
    window.add(True)
    window.add(True)  # the mismatch has ended: back to the usual interval
    window.started(200.0)
    assert window.due(210.0)


@pytest.mark.models
def test_the_evidence_shows_both_faces(
    models: tuple[FaceFinder, DlibEmbedder], evalset: Path
) -> None:
    finder, _ = models
    man, woman = clip_frame(evalset, MAN), clip_frame(evalset, WOMAN)
    boxes = [finder.primary(i) for i in (man, woman)]
    assert boxes[0] is not None and boxes[1] is not None
    data = side_by_side(jpeg(man), boxes[0].box, jpeg(woman), boxes[1].box, score=0.71)
    assert data is not None
    image = decode_bgr(data)
    assert image.shape[:2] == (SIDE, 2 * SIDE)
    # Each half shows a face the finder finds again, the man's on the left.
    halves = [image[:, :SIDE], image[:, SIDE:]]
    assert all(finder.faces(np.ascontiguousarray(h)) for h in halves)
    assert side_by_side(b"not an image", boxes[0].box, jpeg(woman), boxes[1].box) is None
