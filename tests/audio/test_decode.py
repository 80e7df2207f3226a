"""Decoding every supported format, and a video's audio track, to 16 kHz mono float32.

The files are written in a tmp dir from four seconds of a real meeting recording.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from proctor.audio.decode import SAMPLE_RATE, AudioError, decode, tracks
from tests.audio.encode import FORMATS, write_audio, write_video_with_audio

CLIP = "audio/meeting_dev00.wav"


@pytest.fixture(scope="module")
def speech(evalset: Path) -> np.ndarray:
    return np.asarray(decode(evalset / CLIP)[2 * SAMPLE_RATE : 6 * SAMPLE_RATE], np.float32)


def envelope(x: np.ndarray) -> np.ndarray:
    """RMS per 50 ms."""
    n = len(x) // 800
    rms: np.ndarray = np.sqrt(np.mean(x[: n * 800].reshape(n, 800) ** 2, axis=1))
    return rms


def test_the_source_wav(evalset: Path) -> None:
    samples = decode(evalset / CLIP)
    assert samples.dtype == np.float32 and samples.ndim == 1
    assert len(samples) == pytest.approx(30 * SAMPLE_RATE, abs=2)
    assert 0 < np.abs(samples).max() <= 1


@pytest.mark.parametrize("suffix", sorted(FORMATS))
def test_each_format(suffix: str, speech: np.ndarray, tmp_path: Path) -> None:
    path = write_audio(tmp_path / f"clip{suffix}", speech, stereo=suffix == ".flac")
    assert tracks(path) == (False, True)
    got = decode(path)
    assert got.dtype == np.float32 and got.ndim == 1
    assert len(got) / SAMPLE_RATE == pytest.approx(4.0, abs=0.05)
    if suffix in (".wav", ".flac"):  # lossless (FLAC in stereo: mixed back to the same mono)
        assert np.abs(got[: len(speech)] - speech).max() < 2e-4
    else:  # lossy: the loudness follows the original's, 50 ms by 50 ms
        a, b = envelope(speech), envelope(got)
        n = min(len(a), len(b))
        lags = [np.corrcoef(a[: n - 4], b[k : n - 4 + k])[0, 1] for k in range(5)]
        assert max(lags) > 0.9


def test_audio_track_of_a_video(speech: np.ndarray, tmp_path: Path) -> None:
    path = write_video_with_audio(tmp_path / "call.webm", speech, seconds=4.0)
    assert tracks(path) == (True, True)
    assert len(decode(path)) / SAMPLE_RATE == pytest.approx(4.0, abs=0.05)


def test_unreadable_inputs(evalset: Path, tmp_path: Path) -> None:
    text = tmp_path / "notes.mp3"
    text.write_text("not audio at all\n" * 50)
    cut = tmp_path / "cut.flac"
    cut.write_bytes((evalset / CLIP).read_bytes()[:30])
    image = evalset / "images" / "single_grace_hopper.jpg"
    for path in (tmp_path / "missing.wav", text, cut, tmp_path):
        with pytest.raises(AudioError, match=str(path)):
            decode(path)
    with pytest.raises(AudioError, match="no audio track"):
        decode(image)
    assert tracks(text) == (False, False)
