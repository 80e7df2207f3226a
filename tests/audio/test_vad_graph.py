"""Silero with its convolutions as matrix products gives the shipped graph's speech."""

from __future__ import annotations

import numpy as np

from proctor.audio import vad
from proctor.audio.decode import SAMPLE_RATE, decode
from proctor.audio.labels import Clip


def probabilities(samples: np.ndarray, matmul: bool) -> np.ndarray:
    """Fed a second at a time, as the live path feeds it."""
    stream = vad.VadStream()
    stream._session = vad._session(1, matmul)
    parts = [stream.feed(samples[k : k + SAMPLE_RATE]) for k in range(0, len(samples), SAMPLE_RATE)]
    return np.concatenate(parts)


def test_every_recording_has_the_same_probabilities_and_speech(clips: list[Clip]) -> None:
    assert len(clips) >= 10
    for clip in clips:
        samples = decode(clip.path)
        shipped, rewritten = probabilities(samples, False), probabilities(samples, True)
        assert len(rewritten) == len(shipped) == len(samples) // vad.WINDOW
        assert np.abs(rewritten - shipped).max() < 1e-4, clip.name
        duration = len(samples) / SAMPLE_RATE
        assert vad.speech_segments(rewritten, duration) == vad.speech_segments(shipped, duration)


def test_the_live_stream_runs_the_rewritten_graph(clips: list[Clip]) -> None:
    samples = decode(clips[0].path)[: 5 * SAMPLE_RATE]
    stream = vad.VadStream()
    live = np.concatenate(
        [stream.feed(samples[k : k + SAMPLE_RATE]) for k in range(0, len(samples), SAMPLE_RATE)]
    )
    assert np.array_equal(live, probabilities(samples, True))
    assert not np.array_equal(live, probabilities(samples, False))  # float rounding apart
