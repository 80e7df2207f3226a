"""Voices counted by the converted GE2E encoder and clustering, against the labelled counts."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from proctor.audio.analyze import AudioAnalyzer, AudioResult
from proctor.audio.decode import decode
from proctor.audio.labels import TURNS_CLIP, Clip, turn_cases
from proctor.audio.voices import cluster, count_voices

# Measured (docs/EVALUATION.md, "Audio"): within one of the label on 9 of the 13 recordings;
# none or one against several on meeting_trn01 (3.4 s of faint speech from four people) and
# one on meeting_dev01 only.
WITHIN_ONE_FLOOR = 9
SEVERAL_FLOOR = 9  # of the 11 recordings where several people speak, at least two voices


def test_voice_counts(clips: list[Clip], analyzed: dict[str, AudioResult]) -> None:
    counts = {c.name: analyzed[c.name].voices for c in clips}
    within = [c.name for c in clips if abs(counts[c.name] - c.speakers) <= 1]
    assert len(within) >= WITHIN_ONE_FLOOR, counts
    several = [c.name for c in clips if c.speakers >= 2 and counts[c.name] >= 2]
    assert len(several) >= SEVERAL_FLOOR, counts
    assert all(counts[c.name] == 1 for c in clips if c.speakers == 1)
    # Zero voices only where no speech was found: meeting_trn01, whose 3.4 s of labelled
    # speech is faint enough that Silero's ONNX model stays under the threshold.
    assert all((counts[c.name] == 0) == (not analyzed[c.name].speech) for c in clips)
    assert sum(n == 0 for n in counts.values()) <= 1


def test_one_voice_per_turn_and_two_for_two_people(analyzer: AudioAnalyzer, evalset: Path) -> None:
    samples = decode(evalset / "audio" / TURNS_CLIP)
    got = {name: analyzer.analyze(audio).voices for name, audio, _ in turn_cases(samples, 16_000)}
    for name, _, want in turn_cases(samples, 16_000):
        assert got[name] == want if want == 1 else got[name] >= 2, got


def test_cluster_and_count() -> None:
    rng = np.random.default_rng(0)
    centres = np.eye(3, 16)
    points = np.concatenate([c + 0.05 * rng.standard_normal((10, 16)) for c in centres])
    labels = cluster(points, threshold=0.3)
    assert len(set(labels)) == 3
    assert all(len(set(labels[i * 10 : (i + 1) * 10])) == 1 for i in range(3))
    assert count_voices(labels, min_share=0.1) == 3
    assert count_voices(labels, min_share=0.5) == 1  # no cluster holds half: still one voice
    assert count_voices(np.array([], dtype=int), min_share=0.1) == 1
    assert len(set(cluster(points, threshold=2.0))) == 1
