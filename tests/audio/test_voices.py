"""Voices counted by the converted GE2E encoder and clustering, against the labelled counts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from proctor.audio.analyze import AudioAnalyzer, AudioResult
from proctor.audio.decode import SAMPLE_RATE, decode
from proctor.audio.labels import MEETING_TURNS, TURNS_CLIP, Clip, turn_cases
from proctor.audio.voice_cases import SOUND_SECONDS, SOUNDS, voice_cases
from proctor.audio.voices import chunk_means, cluster, count_voices, joined_windows, speech_only

# Measured (docs/EVALUATION.md, "Audio"): within one of the label on 9 of the 13 recordings; at
# least two voices on 10 of the 12 where several people speak: not on meeting_trn01 (3.4 s of
# faint speech from four people, none of it found) nor on meeting_trn03 (one person speaks 28.9
# of its 30 s, the other 1.2 s).
WITHIN_ONE_FLOOR = 9
SEVERAL_FLOOR = 10  # of the 12 recordings where several people speak, at least two voices


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


@pytest.fixture(scope="module")
def wider_counts(analyzer: AudioAnalyzer, evalset: Path) -> dict[str, tuple[str, int, int]]:
    """The wider check's cases (docs/EVALUATION.md, "Audio"): name -> (group, want, voices);
    asserts on the way that no speech is found within a synthetic sound."""
    counts = {}
    for case in voice_cases(evalset / "audio"):
        result = analyzer.analyze(case.audio)
        if case.sound:
            assert result.speech[0][0] >= SOUND_SECONDS, (case.name, result.speech)
        counts[case.name] = (case.group, case.want, result.voices)
    return counts


def test_one_person_is_one_voice_even_after_noise_or_music(
    wider_counts: dict[str, tuple[str, int, int]],
) -> None:
    """Each of the ten people of the turn-taking recordings, their turns joined with pauses or
    cut into short pieces like counting, alone and after synthetic noise or music: one voice."""
    singles = {
        name: got
        for name, (group, want, got) in wider_counts.items()
        if want == 1 and not group.endswith("meeting")
    }
    assert len(singles) == 10 * (2 + len(SOUNDS))
    assert all(got == 1 for got in singles.values()), {n: g for n, g in singles.items() if g != 1}


# Measured: 7 of the 10 meeting speakers alone; meeting_trn05's FEE078 and meeting_dev00's MEE009
# split in two (an unlabelled quiet voice may be under them), and meeting_trn07's FEE087 is too
# faint for any speech to be found.
MEETING_ONE_FLOOR = 7
# Measured: 41 of the 42 two-person cases; speakers E and F of speakers_diarizationExample2
# (3.2 and 2.8 s) merge at the product's threshold.
TWO_PEOPLE_FLOOR = 41


def test_one_person_in_a_meeting(wider_counts: dict[str, tuple[str, int, int]]) -> None:
    alone = {n: got for n, (group, _, got) in wider_counts.items() if group.endswith("meeting")}
    assert len(alone) == 10
    assert sum(got == 1 for got in alone.values()) >= MEETING_ONE_FLOOR, alone


def test_two_people_are_two_voices(wider_counts: dict[str, tuple[str, int, int]]) -> None:
    pairs = {name: got for name, (_, want, got) in wider_counts.items() if want == 2}
    assert len(pairs) == 42
    assert sum(got >= 2 for got in pairs.values()) >= TWO_PEOPLE_FLOOR, pairs


def test_meeting_turns_match_the_labelled_speech(clips: list[Clip]) -> None:
    """labels.MEETING_TURNS (by speaker) merge into audio.csv's speech, with its speaker count."""
    for clip in clips:
        if clip.name not in MEETING_TURNS:
            continue
        speakers = MEETING_TURNS[clip.name]
        merged: list[tuple[float, float]] = []
        for a, b in sorted(span for spans in speakers.values() for span in spans):
            if merged and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
            else:
                merged.append((a, b))
        assert len(speakers) == clip.speakers, clip.name
        assert np.allclose(merged, clip.speech, atol=0.011), clip.name
    assert len(MEETING_TURNS) == sum(c.name.startswith("meeting_") for c in clips)


def test_joined_speech_windows() -> None:
    """Short bursts with pauses give windows of speech only, each burst raised to -30 dBFS."""
    rate = SAMPLE_RATE
    burst = np.sin(np.arange(int(0.8 * rate)) * 0.3).astype(np.float32)
    samples = np.zeros(10 * rate, dtype=np.float32)
    segments = []
    for k, start in enumerate((1.0, 3.0, 5.0, 7.0)):
        samples[int(start * rate) : int(start * rate) + len(burst)] = burst * 0.01 * 10**-k
        segments.append((start, start + 0.8))
    speech = speech_only(samples, segments)
    assert abs(len(speech) - 4 * len(burst)) <= 4
    quarters = np.array_split(speech, 4)
    rms = np.array([np.sqrt(np.mean(q.astype(np.float64) ** 2)) for q in quarters])
    assert np.allclose(rms, 10 ** (-30 / 20), rtol=0.01)  # every burst raised to -30 dBFS
    windows = joined_windows(samples, segments, step=0.4)
    assert len(windows) == 5  # 3.2 s of speech: windows at 0, 0.4, ..., 1.6 s
    assert all(np.mean(np.abs(w) < 1e-6) < 0.01 for w in windows)  # no silence in them
    assert len(joined_windows(samples, segments[:1], step=0.4)) == 0  # 0.8 s: too short
    vectors = np.eye(5, dtype=np.float32)
    means = chunk_means(vectors, 2)  # windows 0-1, 2-3, then 4 alone
    assert means.shape == (3, 5) and np.allclose(np.linalg.norm(means, axis=1), 1)
    assert np.allclose(means[0], (vectors[0] + vectors[1]) / np.sqrt(2))
    assert np.allclose(means[2], vectors[4])


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
    stray = np.array([0] * 10 + [1])  # one chunk alone: a voice only when one chunk is enough
    assert count_voices(stray, min_share=0.05) == 2
    assert count_voices(stray, min_share=0.05, min_chunks=2) == 1
    assert len(set(cluster(points, threshold=2.0))) == 1
