"""``proctor analyze --json`` on audio files and on a video with an audio track (the contract)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

from proctor.audio.decode import SAMPLE_RATE, decode
from tests.audio.encode import write_audio, write_video_with_audio
from tests.conftest import require_face_models

AUDIO_FIELDS = {"source", "kind", "duration", "speech", "voices"}


def analyze(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "proctor.cli", "analyze", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def records(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def check_audio_record(record: dict[str, Any], source: Path, duration: float) -> None:
    assert set(record) == AUDIO_FIELDS
    assert record["source"] == str(source) and record["kind"] == "audio"
    assert abs(record["duration"] - duration) < 0.05
    assert isinstance(record["voices"], int) and record["voices"] >= 0
    for start, end in record["speech"]:
        assert 0 <= start < end <= record["duration"] + 0.01


def test_audio_files(evalset: Path, tmp_path: Path) -> None:
    require_face_models()
    wav = evalset / "audio" / "speakers_diarizationExample2.wav"
    ten = decode(evalset / "audio" / "meeting_dev01.wav")[: 10 * SAMPLE_RATE]
    opus = write_audio(tmp_path / "part.opus", ten)
    result = analyze(wav, opus, "--json")
    assert result.returncode == 0, result.stderr
    first, second = records(result)
    check_audio_record(first, wav, 22.3)
    assert first["voices"] >= 2 and first["speech"][0][0] < 0.5
    check_audio_record(second, opus, 10.0)
    assert second["voices"] >= 1 and second["speech"]


def test_video_with_an_audio_track(evalset: Path, tmp_path: Path) -> None:
    require_face_models()
    speech = decode(evalset / "audio" / "meeting_trn09.wav")[: 4 * SAMPLE_RATE]
    video = write_video_with_audio(tmp_path / "call.webm", speech, seconds=4.0)
    result = analyze(video, "--json", "--objects-every", "0")
    assert result.returncode == 0, result.stderr
    *frames, last = records(result)
    assert len(frames) == 4 and all("frame" in f and "kind" not in f for f in frames)
    check_audio_record(last, video, 4.0)
    assert last["speech"] and last["voices"] >= 1


def test_silence_and_unreadable_audio(tmp_path: Path) -> None:
    require_face_models()
    quiet = write_audio(tmp_path / "quiet.flac", np.zeros(3 * SAMPLE_RATE, dtype=np.float32))
    broken = tmp_path / "broken.ogg"
    broken.write_bytes(b"OggS" + bytes(200))
    result = analyze(broken, quiet, "--json")
    assert result.returncode == 1
    (record,) = records(result)
    check_audio_record(record, quiet, 3.0)
    assert record["speech"] == [] and record["voices"] == 0
    assert f"proctor analyze: {broken}: not a readable audio or video file" in result.stderr
