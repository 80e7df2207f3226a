"""Live audio judgement on real recordings, fed a second at a time as the server feeds it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from proctor.audio.analyze import AudioAnalyzer
from proctor.audio.decode import SAMPLE_RATE, decode
from proctor.audio.encoder import SpeakerEncoder
from proctor.audio.labels import TURNS, TURNS_CLIP, person_audio
from proctor.audio.live import (
    CLIP_MAX_S,
    OTHER_VOICE,
    PER_CHUNK,
    SPEECH,
    AudioTransition,
    LiveAudio,
    LiveAudioParams,
    session_mode,
)
from proctor.audio.live_eval import CUT_INS, cut_in_delays
from proctor.audio.vad import VadStream

T0 = 1_800_000_000.0  # the wall clock of the first sample


def feed(live: LiveAudio, samples: np.ndarray) -> list[AudioTransition]:
    """One second at a time, each dated by the wall-clock time of its last sample."""
    found: list[AudioTransition] = []
    for start in range(0, len(samples), SAMPLE_RATE):
        part = samples[start : start + SAMPLE_RATE]
        found += live.feed(part, T0 + (start + len(part)) / SAMPLE_RATE)
    return found


def turns(samples: np.ndarray, person: str) -> np.ndarray:
    return person_audio(samples, TURNS[person])


def test_the_mode_is_read_from_the_session_settings() -> None:
    assert session_mode(None) == "interview"
    assert session_mode({"mode": "exam"}) == "exam"
    assert session_mode({"mode": "something else"}) == "interview"


def test_exam_speech_starts_at_its_onset_and_ends_after_the_silence(evalset: Path) -> None:
    speech = decode(evalset / "audio" / "meeting_trn03.wav")[: 5 * SAMPLE_RATE]
    quiet = np.zeros(5 * SAMPLE_RATE, dtype=np.float32)
    live = LiveAudio("exam", VadStream(), None)
    found = feed(live, np.concatenate([quiet[: 2 * SAMPLE_RATE], speech, quiet]))
    assert [(t.kind, t.type) for t in found] == [("start", SPEECH), ("end", SPEECH)]
    start, end = found
    # Dated at the onset (the recording's first word comes about a second in), not when it
    # was judged; ended at the last speech heard.
    assert 2.0 <= start.at - T0 <= 3.5
    assert 6.0 <= end.at - T0 <= 7.1
    assert start.clip is not None
    a, b = start.clip
    assert 0 < b - a <= CLIP_MAX_S and a <= start.at
    clip = live.clip(a, b)
    assert len(clip) == pytest.approx((b - a) * SAMPLE_RATE, abs=2)


def test_exam_no_event_for_a_quiet_room_or_a_short_word(evalset: Path) -> None:
    rng = np.random.default_rng(0)
    room = (rng.standard_normal(8 * SAMPLE_RATE) * 0.003).astype(np.float32)
    word = decode(evalset / "audio" / "meeting_trn03.wav")[: int(0.6 * SAMPLE_RATE)]
    room[3 * SAMPLE_RATE : 3 * SAMPLE_RATE + len(word)] += word
    assert feed(LiveAudio("exam", VadStream(), None), room) == []


def test_interview_learns_the_candidate_then_flags_another_voice(
    evalset: Path, analyzer: AudioAnalyzer
) -> None:
    samples = decode(evalset / "audio" / TURNS_CLIP)
    candidate, other = turns(samples, "C"), turns(samples, "D")
    params = LiveAudioParams(enroll_s=7.2)  # the recording has no 20 s turn of one person
    live = LiveAudio("interview", VadStream(), analyzer.encoder, params)
    assert feed(live, candidate) == []  # the candidate's own voice: learned, never flagged
    assert live.voice is not None and live.distances
    assert max(live.distances) < params.other_threshold
    found = feed(live, other)
    starts = [t for t in found if t.kind == "start"]
    assert [t.type for t in starts] == [OTHER_VOICE]
    assert starts[0].confidence is not None and starts[0].confidence > params.other_threshold
    onset = T0 + len(candidate) / SAMPLE_RATE
    # Dated at the start of the first 2.4 s chunk judged another voice: it may begin in the
    # candidate's last words when the two voices follow each other without a pause.
    assert onset - 2.4 <= starts[0].at <= onset + 3.0
    assert all(t.kind == "end" and t.type == OTHER_VOICE for t in live.finish())


def test_the_ring_keeps_only_the_last_seconds(evalset: Path) -> None:
    speech = decode(evalset / "audio" / "meeting_trn03.wav")
    live = LiveAudio("exam", VadStream(), None)
    feed(live, speech)
    kept = sum(len(part) for part in live._ring) / SAMPLE_RATE
    assert 12.0 <= kept <= 13.0
    # Long speech is one event, whose clip stays within 10 s.
    live = LiveAudio("exam", VadStream(), None)
    found = feed(live, speech)
    assert [t.type for t in found if t.kind == "start"] == [SPEECH]
    end = live.finish()
    assert [t.kind for t in end] == ["end"]


def test_a_voice_cutting_in_is_flagged_within_five_seconds_wherever_it_starts_in_a_chunk(
    evalset: Path, live_encoder: SpeakerEncoder
) -> None:
    samples = decode(evalset / "audio" / TURNS_CLIP)
    for first, second in CUT_INS:
        last = cut_in_delays(live_encoder, samples, first, second, (PER_CHUNK - 1,))
        assert None not in last, (first, second, last)
        # Audio to the end of the 1 s piece that brings it; storing and pushing adds ~0.1 s.
        assert max(d for d in last if d is not None) <= 4.5, (first, second, last)
    assert LiveAudioParams().judge_windows == (PER_CHUNK - 1,)
