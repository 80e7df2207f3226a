"""``proctor analyze`` as a subprocess: JSON lines per the CLI contract, messages, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require, require_face_models

CONTRACT_FIELDS = {
    "source", "frame", "t", "faces", "looking_away", "head_pose", "gaze", "persons", "objects"
}  # fmt: skip
FIELDS = CONTRACT_FIELDS | {"away_reason", "calibrated"}
GAZE_FIELDS = {"horizontal", "vertical", "horizontal_deg", "vertical_deg", "from_neutral_deg"}
CLIPS = "videos/webcam_gaze_center_{}.mp4"
CONTRACT_LABELS = {"cell_phone", "book", "laptop", "monitor"}


@pytest.fixture(scope="module", autouse=True)
def _face_models() -> None:
    require_face_models()


def analyze(*args: str | Path, objects: str = "none") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PROCTOR_OBJECT_MODEL": objects}
    return subprocess.run(
        [sys.executable, "-m", "proctor.cli", "analyze", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
        check=False,
    )


def lines(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    """The frame records (a video's audio object, which follows them, is left out)."""
    records = [json.loads(line) for line in result.stdout.splitlines()]
    return [r for r in records if r.get("kind") != "audio"]


def test_images_as_json_lines(evalset: Path) -> None:
    single = evalset / "images" / "single_grace_hopper.jpg"
    noface = evalset / "images" / "noface_coffee_cup.jpg"
    away = evalset / "images" / "away_profile_sunglasses.jpg"
    result = analyze(single, noface, away, "--json")
    assert result.returncode == 0, result.stderr
    records = lines(result)
    assert [r["source"] for r in records] == [str(single), str(noface), str(away)]
    for record in records:
        assert set(record) == FIELDS
        assert record["frame"] == 0 and record["t"] == 0.0
        assert isinstance(record["persons"], int) and record["objects"] == []
    first, second, third = records
    assert first["faces"] == 1 and first["looking_away"] is False
    assert set(first["head_pose"]) == {"yaw", "pitch", "roll"}
    assert set(first["gaze"]) == GAZE_FIELDS
    assert first["away_reason"] is None and first["calibrated"] is False  # a still image
    assert second["faces"] == 0
    assert second["looking_away"] is None and second["head_pose"] is None
    assert second["away_reason"] is None
    assert third["looking_away"] is True and third["away_reason"] == "head_turned"


def test_objects_use_the_contract_labels(evalset: Path) -> None:
    result = analyze(
        evalset / "images" / "phone_three_women_calls.jpg", "--json", objects="centernet"
    )
    require(result.returncode != 2, f"object model not installed: {result.stderr.strip()}")
    assert result.returncode == 0, result.stderr
    (record,) = lines(result)
    assert record["persons"] >= 2
    for item in record["objects"]:
        assert item["label"] in CONTRACT_LABELS
        assert 0 < item["score"] <= 1 and len(item["box"]) == 4


def test_unreadable_inputs_are_reported_and_the_rest_still_processed(
    evalset: Path, tmp_path: Path
) -> None:
    good = evalset / "images" / "single_grace_hopper.jpg"
    truncated = tmp_path / "cut.jpg"
    truncated.write_bytes(good.read_bytes()[:5000])
    text = tmp_path / "notes.jpg"
    text.write_text("not an image")
    missing = tmp_path / "missing.jpg"
    result = analyze(missing, truncated, good, text, "--json")
    assert result.returncode == 1
    assert [r["source"] for r in lines(result)] == [str(good)]
    errors = result.stderr.splitlines()
    assert any(str(missing) in e and "no such file" in e for e in errors)
    assert any(str(truncated) in e and "truncated" in e for e in errors)
    assert any(str(text) in e and "not_image" in e for e in errors)


def test_video_sampling_as_json(evalset: Path) -> None:
    video = evalset / "videos" / "webcam_woman_thumbsup.mp4"
    result = analyze(video, "--json", "--fps", "2")
    assert result.returncode == 0, result.stderr
    records = lines(result)
    # Every half second of video time, to the nearest of the 25 frames a second.
    assert [r["t"] for r in records] == pytest.approx([i / 2 for i in range(16)], abs=0.021)
    assert [r["frame"] for r in records][:3] == [0, 12, 25]
    assert all(set(r) == FIELDS for r in records)
    assert records[0]["faces"] == 1
    assert "[#" not in result.stderr  # no progress bar with --json when stderr is not a terminal


def test_readable_output_with_a_progress_bar(evalset: Path) -> None:
    video = evalset / "videos" / "overshoulder_laptop_phone_noface.mp4"
    result = analyze(video, "--timings")
    assert result.returncode == 0, result.stderr
    assert "timings, median ms over 4 frames: decode" in result.stderr
    out = result.stdout.splitlines()
    assert len(out) == 5 and all(line.startswith(f"{video} [frame ") for line in out[:4])
    assert out[4].startswith(f"{video} [audio, ")  # its audio track follows the frames
    assert "0 faces" in out[0]
    assert "[##############################] 4/4" in result.stderr


def test_bad_arguments() -> None:
    assert analyze("x.jpg", "--fps", "0").returncode == 2
    assert analyze().returncode == 2  # argparse: a PATH is required


def test_video_calibrated_by_default_and_without_objects(evalset: Path) -> None:
    video = evalset / "videos" / "webcam_woman_thumbsup.mp4"
    result = analyze(video, "--json", "--objects-every", "0")
    assert result.returncode == 0, result.stderr
    records = lines(result)
    assert len(records) == 8
    assert all(r["persons"] is None and r["objects"] is None for r in records)
    assert all(r["looking_away"] is False for r in records if r["t"] < 2.4)
    assert all(r["calibrated"] for r in records)  # the first frames too: judged once it is known


def glance_shares(records: list[dict[str, Any]]) -> tuple[float, float]:
    """Looking-away shares of the glance frames (5-10 s) and of the centre frames."""
    glance = [r["looking_away"] for r in records if 5.0 <= r["t"] < 10.0]
    centre = [r["looking_away"] for r in records if not 5.0 <= r["t"] < 10.0]
    return sum(glance) / len(glance), sum(centre) / len(centre)


def test_eyes_only_glance_is_caught_against_the_calibrated_neutral(evalset: Path) -> None:
    result = analyze(evalset / CLIPS.format("right_center"), "--json", "--fps", "4")
    assert result.returncode == 0, result.stderr
    records = lines(result)
    assert all(set(r) == FIELDS and r["calibrated"] for r in records)
    glance, centre = glance_shares(records)
    assert glance >= 0.8 and centre <= 0.1, (glance, centre)
    # The eyes turn, the head does not: every flagged glance frame says so.
    flagged = [r for r in records if 5.0 <= r["t"] < 10.0 and r["looking_away"]]
    assert {r["away_reason"] for r in flagged} == {"eyes_away"}
    for r in flagged:
        assert r["gaze"]["from_neutral_deg"]["horizontal"] > 10.0
        assert abs(r["head_pose"]["yaw"]) < 10.0
    # The gaze of the centre frames before the glance sits near the neutral, in degrees.
    early = [r["gaze"]["from_neutral_deg"] for r in records if r["t"] < 5.0]
    assert all(abs(g["horizontal"]) < 5.0 and abs(g["vertical"]) < 5.0 for g in early)


def test_eyes_on_the_camera_throughout_raise_almost_nothing(evalset: Path) -> None:
    result = analyze(evalset / CLIPS.format("focus"), "--json", "--fps", "4")
    assert result.returncode == 0, result.stderr
    records = lines(result)
    away = sum(r["looking_away"] for r in records) / len(records)
    assert away <= 0.05, away


def test_no_calibrate_judges_against_the_default_neutral(evalset: Path) -> None:
    clip = evalset / CLIPS.format("right_center")
    result = analyze(clip, "--json", "--fps", "2", "--no-calibrate")
    assert result.returncode == 0, result.stderr
    plain = lines(result)
    calibrated = lines(analyze(clip, "--json", "--fps", "2"))
    assert [r["t"] for r in plain] == [r["t"] for r in calibrated]
    assert not any(r["calibrated"] for r in plain) and all(r["calibrated"] for r in calibrated)
    # Same readings; only the offsets from the neutral differ.
    assert [r["gaze"]["horizontal_deg"] for r in plain] == [
        r["gaze"]["horizontal_deg"] for r in calibrated
    ]
    assert plain[0]["gaze"]["from_neutral_deg"] != calibrated[0]["gaze"]["from_neutral_deg"]
