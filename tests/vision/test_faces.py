"""Face detection, FaceMesh and Iris with the real MediaPipe models on evaluation images."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from proctor.evaluation.faces import (
    read_manifest,
    score_binary,
    score_face_counts,
)
from proctor.vision.detectors.faces import (
    EYE_L,
    EYE_R,
    NOSE,
    FaceBox,
    FaceDetector,
    ssd_anchors,
    weighted_nms,
)
from proctor.vision.detectors.landmarks import FaceLandmarker
from tests.conftest import read_bgr, require_face_models

Image = Callable[[str], np.ndarray]


@pytest.fixture(scope="module")
def detector() -> FaceDetector:
    require_face_models()
    return FaceDetector()


@pytest.fixture(scope="module")
def landmarker(detector: FaceDetector) -> FaceLandmarker:
    return FaceLandmarker()


@pytest.fixture(scope="module")
def image(evalset: Path) -> Image:
    def load(name: str) -> np.ndarray:
        return read_bgr(evalset / "images" / name)

    return load


@pytest.mark.parametrize(
    ("name", "count"),
    [
        ("single_grace_hopper.jpg", 1),
        ("single_webcam_woman_dark.jpg", 1),
        ("single_speaker_stage_small.jpg", 1),  # a small face on a stage
        ("multi2_kids_closeup.jpg", 2),
        ("multi3_friends_bar.jpg", 3),
        ("multi4_selfie_unsplash.jpg", 4),
        ("phone_three_women_calls.jpg", 3),
        ("noface_cluttered_room.jpg", 0),
        ("noface_cartoon.jpg", 0),
        ("noface_back_of_head_movie.jpg", 0),
        ("single_obama_pressroom.jpg", 1),  # the short-range model alone sees a second face
    ],
)
def test_face_count(detector: FaceDetector, image: Image, name: str, count: int) -> None:
    assert len(detector.detect(image(name))) == count


def test_face_count_accuracy_on_the_evaluation_set(detector: FaceDetector, evalset: Path) -> None:
    rows = read_manifest(evalset)
    score = score_face_counts(
        (r.file, r.faces, len(detector.detect(read_bgr(evalset / "images" / r.file)))) for r in rows
    )
    assert score.total == len(rows) == 42
    assert score.accuracy >= 0.90, score.errors


def test_faces_are_sorted_largest_first_with_keypoints_inside(
    detector: FaceDetector, image: Image
) -> None:
    faces = detector.detect(image("multi3_friends_bar.jpg"))
    areas = [f.area for f in faces]
    assert areas == sorted(areas, reverse=True)
    for face in faces:
        x1, y1, x2, y2 = face.box
        nose = face.keypoints[NOSE]
        assert x1 <= nose[0] <= x2 and y1 <= nose[1] <= y2
        assert face.keypoints[EYE_L][0] < face.keypoints[EYE_R][0]  # image-left eye first
        assert 0.75 <= face.score <= 1.0


def test_mesh_and_irises_land_on_the_face(
    detector: FaceDetector, landmarker: FaceLandmarker, image: Image
) -> None:
    frame = image("single_grace_hopper.jpg")
    face = detector.detect(frame)[0]
    marks = landmarker.landmarks(frame, face)
    assert marks is not None and marks.presence > 0.9
    assert marks.mesh.shape == (468, 3)
    x1, y1, x2, y2 = face.box
    inside = (
        (marks.mesh[:, 0] > x1 - 20)
        & (marks.mesh[:, 0] < x2 + 20)
        & (marks.mesh[:, 1] > y1 - 60)
        & (marks.mesh[:, 1] < y2 + 20)
    )
    assert inside.mean() > 0.95
    assert landmarker.invoke_ms() > 0
    for eye, corners in ((marks.left_eye, (33, 133)), (marks.right_eye, (362, 263))):
        assert eye is not None
        assert eye.contour.shape == (71, 2) and eye.iris.shape == (5, 2)
        a, b = marks.mesh[corners[0], :2], marks.mesh[corners[1], :2]
        iris = eye.iris[0]
        # The iris centre lies between the mesh's eye corners, close to their line.
        assert min(a[0], b[0]) < iris[0] < max(a[0], b[0])
        assert abs(iris[1] - (a[1] + b[1]) / 2) < 0.3 * abs(b[0] - a[0])
    # The image-left eye is the one on the image's left.
    assert marks.left_eye is not None and marks.right_eye is not None
    assert marks.left_eye.iris[0, 0] < marks.right_eye.iris[0, 0]


def test_anchor_counts() -> None:
    assert ssd_anchors(128, [8, 16], [2, 6]).shape == (896, 2)
    assert ssd_anchors(192, [4], [1]).shape == (2304, 2)
    anchors = ssd_anchors(128, [8, 16], [2, 6])
    assert anchors.min() > 0 and anchors.max() < 1


def test_weighted_nms_merges_overlaps_and_keeps_the_rest() -> None:
    rows = [[0, 0, 10, 10, 2, 2], [1, 0, 11, 10, 6, 2], [50, 50, 60, 60, 55, 55]]
    scores = [0.3, 0.9, 0.8]
    out_rows, out_scores = weighted_nms([[float(v) for v in r] for r in rows], scores, 0.3)
    assert len(out_rows) == 2
    assert out_scores == pytest.approx([0.9, 0.8])  # best first
    assert out_rows[0][0] == pytest.approx(0.9 / 1.2)  # score-weighted mean of 1 and 0
    assert out_rows[0][4] == pytest.approx((0.9 * 6 + 0.3 * 2) / 1.2)  # keypoints too
    assert out_rows[1] == pytest.approx(rows[2])  # alone: unchanged
    assert weighted_nms([], [], 0.3) == ([], [])


def test_face_box_geometry() -> None:
    face = FaceBox(box=(10, 20, 50, 100), score=0.9, keypoints=np.zeros((6, 2), np.float32))
    assert face.size == 80 and face.area == 3200


def test_scoring_helpers() -> None:
    counts = score_face_counts([("a", 1, 1), ("b", 2, 1), ("c", 0, 0), ("d", 5, 6)])
    assert counts.accuracy == 0.5
    assert counts.errors == [("b", 2, 1), ("d", 5, 6)]
    assert counts.confusion[2, 1] == 1
    assert "4+" in counts.table()
    away = score_binary(
        [
            ("a", True, True),
            ("b", True, None),
            ("c", False, True),
            ("d", None, True),
            ("e", False, False),
        ]
    )
    assert (away.tp, away.fp, away.fn, away.tn) == (1, 1, 1, 1)
    assert away.precision == 0.5 and away.recall == 0.5 and away.f1 == 0.5
