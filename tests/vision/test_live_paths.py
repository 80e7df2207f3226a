"""The pipeline's cheaper live options, on real images: what they skip, and that the answers the
server acts on stay the same."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from proctor.config import Settings
from proctor.vision.pipeline import Pipeline
from tests.conftest import with_models
from tests.vision.composites import background_face_frame

pytestmark = pytest.mark.models


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return with_models(lambda: Pipeline(Settings(object_model="none")))


def manifest(evalset: Path) -> list[str]:
    with (evalset / "manifest.csv").open(newline="") as f:
        return [row["file"] for row in csv.DictReader(f)]


def test_short_range_first_skips_the_full_range_model_on_a_clear_face(
    pipeline: Pipeline, evalset: Path
) -> None:
    data = (evalset / "images" / "single_webcam_woman_dark.jpg").read_bytes()
    full = pipeline.analyze_bytes(data, run_objects=False)
    assert pipeline.faces.ran_full
    short = pipeline.analyze_bytes(data, run_objects=False, full_range=False)
    assert pipeline.faces.ran_short and not pipeline.faces.ran_full
    assert short.face_count == full.face_count == 1
    assert short.looking_away is full.looking_away is False


def test_short_range_first_falls_back_when_it_sees_no_face(
    pipeline: Pipeline, evalset: Path
) -> None:
    # A small face the short-range model cannot see, alone in the frame: the full-range model
    # runs after all and finds it.
    data = (evalset / "images" / "single_speaker_stage_small.jpg").read_bytes()
    obs = pipeline.analyze_bytes(data, run_objects=False, full_range=False)
    assert pipeline.faces.ran_full and obs.face_count == 1
    data = (evalset / "images" / "noface_livingroom.jpg").read_bytes()
    assert pipeline.analyze_bytes(data, run_objects=False, full_range=False).face_count == 0
    assert pipeline.faces.ran_full


def test_a_background_face_needs_the_full_range_model(pipeline: Pipeline, evalset: Path) -> None:
    """The premise of the live cadence: beside a clear candidate, the short-range model alone
    misses a small background face (so the server runs the full-range one every few frames)."""
    data = background_face_frame(evalset)
    assert pipeline.analyze_bytes(data, run_objects=False).face_count == 2
    assert pipeline.analyze_bytes(data, run_objects=False, full_range=False).face_count == 1
    assert not pipeline.faces.ran_full


def test_skipping_the_irises_when_the_pose_says_away_changes_no_answer(
    pipeline: Pipeline, evalset: Path
) -> None:
    skipped = 0
    for name in manifest(evalset):
        data = (evalset / "images" / name).read_bytes()
        full = pipeline.analyze_bytes(data, run_objects=False)
        lean = pipeline.analyze_bytes(data, run_objects=False, gaze_when_away=False)
        assert lean.looking_away == full.looking_away, name
        assert lean.face_count == full.face_count, name
        face, lean_face = full.primary_face, lean.primary_face
        if face is None or lean_face is None:
            continue
        assert lean_face.head_pose == face.head_pose, name
        if lean_face.gaze is None and face.gaze is not None:
            skipped += 1
            assert full.looking_away is True, name
        else:
            assert lean_face.gaze == face.gaze, name
    assert skipped >= 3  # profiles and heads turned down: no iris model run on those
