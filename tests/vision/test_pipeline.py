"""The pipeline end to end on real images and videos, with the real face models."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from proctor.config import Settings
from proctor.vision.attention import NeutralPose
from proctor.vision.detectors.base import create
from proctor.vision.frames import FrameError
from proctor.vision.pipeline import Pipeline
from proctor.vision.types import OBJECT_LABELS
from proctor.vision.video import sample_frames, video_info
from tests.conftest import with_models

ReadImage = Callable[[str], bytes]

TIMINGS = {"decode", "face_detect", "mesh_iris", "objects", "total", "models"}


def _pipeline(settings: Settings) -> Pipeline:
    return with_models(lambda: Pipeline(settings, object_detector=create(settings)))


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return _pipeline(Settings(object_model="none", object_every_n_frames=3))


def test_single_face_observation(pipeline: Pipeline, evalset_image: ReadImage) -> None:
    obs = pipeline.analyze_bytes(evalset_image("single_grace_hopper.jpg"), run_objects=False)
    assert (obs.width, obs.height) == (512, 600)
    assert obs.face_count == 1 and obs.looking_away is False
    face = obs.primary_face
    assert face is not None and face.head_pose is not None and face.gaze is not None
    assert set(obs.timings_ms) == TIMINGS
    assert obs.timings_ms["models"] > 0 and obs.timings_ms["objects"] >= 0
    data = obs.to_json()
    assert data["faces"] == 1 and set(data["head_pose"]) == {"yaw", "pitch", "roll"}


def test_no_face(pipeline: Pipeline, evalset_image: ReadImage) -> None:
    obs = pipeline.analyze_bytes(evalset_image("noface_coffee_cup.jpg"))
    assert obs.face_count == 0 and obs.looking_away is None
    data = obs.to_json()
    assert data["looking_away"] is None and data["head_pose"] is None and data["gaze"] is None


def test_only_the_primary_face_gets_pose(pipeline: Pipeline, evalset_image: ReadImage) -> None:
    obs = pipeline.analyze_bytes(evalset_image("multi3_friends_bar.jpg"))
    assert obs.face_count == 3
    assert obs.faces[0] is obs.primary_face and obs.faces[0].head_pose is not None
    assert all(f.head_pose is None for f in obs.faces[1:])


def test_object_frame_counter(evalset_image: ReadImage) -> None:
    pipe = _pipeline(Settings(object_model="none", object_every_n_frames=3))
    data = evalset_image("single_grace_hopper.jpg")
    ran = [pipe.analyze_bytes(data).objects_ran for _ in range(6)]
    assert ran == [True, False, False, True, False, False]
    # An explicit choice wins and does not move the counter.
    assert pipe.analyze_bytes(data, run_objects=False).objects_ran is False
    assert pipe.analyze_bytes(data, run_objects=True).objects_ran is True
    assert pipe.analyze_bytes(data).objects_ran is True


def test_same_input_same_result(pipeline: Pipeline, evalset_image: ReadImage) -> None:
    data = evalset_image("away_woman_in_car.jpg")
    first = pipeline.analyze_bytes(data, run_objects=False).to_json()
    second = pipeline.analyze_bytes(data, run_objects=False).to_json()
    assert first == second and first["looking_away"] is True


def test_neutral_pose_is_used(pipeline: Pipeline, evalset_image: ReadImage) -> None:
    data = evalset_image("single_grace_hopper.jpg")
    assert pipeline.analyze_bytes(data, run_objects=False).looking_away is False
    turned = NeutralPose(yaw=45.0)  # a candidate calibrated while facing a side screen
    assert pipeline.analyze_bytes(data, neutral=turned, run_objects=False).looking_away is True


def test_bad_input(pipeline: Pipeline, evalset_image: ReadImage) -> None:
    data = evalset_image("single_grace_hopper.jpg")
    with pytest.raises(FrameError) as info:
        pipeline.analyze_bytes(data[: len(data) // 2])
    assert info.value.code == "truncated"
    with pytest.raises(FrameError) as info:
        pipeline.analyze_bytes(data, max_bytes=1000)
    assert info.value.code == "too_many_bytes"
    with pytest.raises(FrameError) as info:
        pipeline.analyze_image(np.zeros((48, 64), dtype=np.uint8))
    assert info.value.code == "not_image"


def test_objects_from_the_configured_detector(evalset_image: ReadImage) -> None:
    pipe = _pipeline(Settings())
    obs = pipe.analyze_bytes(evalset_image("multi3_friends_bar.jpg"), run_objects=True)
    assert obs.objects_ran
    assert obs.persons == sum(1 for d in obs.objects if d.label == "person") >= 2
    assert {d.label for d in obs.objects} <= {*OBJECT_LABELS, "person"}
    assert all(d["label"] != "person" for d in obs.to_json()["objects"])


def test_video_sampling(evalset: Path) -> None:
    path = evalset / "videos" / "webcam_woman_thumbsup.mp4"
    info = video_info(path)
    assert info.fps == pytest.approx(25.0) and info.width == 1280
    frames = list(sample_frames(path, 1.0))
    assert [f.index for f in frames] == [0, 25, 50, 75, 100, 125, 150, 175]
    assert [f.t for f in frames] == pytest.approx([0, 1, 2, 3, 4, 5, 6, 7])
    assert len(frames) == info.samples(1.0) == math.ceil(info.duration)
    assert frames[0].image.shape == (720, 1280, 3)
    fives = [f.index for f in sample_frames(path, 5.0)]
    assert fives[:4] == [0, 5, 10, 15] and len(fives) == info.samples(5.0)
    assert len(list(sample_frames(path, 1000.0))) == info.frame_count  # no more than it has


def test_videos_through_the_pipeline(pipeline: Pipeline, evalset: Path) -> None:
    webcam = evalset / "videos" / "webcam_woman_thumbsup.mp4"
    before_hand = [f for f in sample_frames(webcam, 2.0) if f.t < 2.4]
    for frame in before_hand:
        obs = pipeline.analyze_image(frame.image, run_objects=False)
        assert obs.face_count == 1 and obs.looking_away is False
    over_shoulder = evalset / "videos" / "overshoulder_laptop_phone_noface.mp4"
    for frame in sample_frames(over_shoulder, 1.0):
        assert pipeline.analyze_image(frame.image, run_objects=False).face_count == 0
