"""``judge_every`` and ``judge_open_every``: fewer chunks judged, on real speaker turns."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from proctor.audio.analyze import AudioAnalyzer
from proctor.audio.decode import decode
from proctor.audio.encoder import SpeakerEncoder
from proctor.audio.labels import TURNS_CLIP
from proctor.audio.live import CHUNK_S, OTHER_VOICE, LiveAudio, LiveAudioParams
from proctor.audio.vad import VadStream
from tests.audio.test_live import feed, turns


def test_judging_one_chunk_in_three_still_flags_another_voice(
    evalset: Path, analyzer: AudioAnalyzer
) -> None:
    samples = decode(evalset / "audio" / TURNS_CLIP)
    candidate, other = turns(samples, "C"), turns(samples, "D")
    judged = {}
    for every in (1, 3):
        params = LiveAudioParams(enroll_s=4.8, judge_every=every)
        live = LiveAudio("interview", VadStream(), analyzer.encoder, params)
        assert feed(live, candidate) == []
        judged[every] = len(live.distances)
        # The other person speaks for 7.2 s: three chunks, so one of them is judged at least.
        starts = [t for t in feed(live, other) if t.kind == "start"]
        assert [t.type for t in starts] == [OTHER_VOICE]
    # After the two enrolment chunks, the first chunk of every three is judged.
    assert judged[1] >= 3
    assert judged[3] == -(-judged[1] // 3)


def test_while_another_voice_is_on_one_chunk_in_two_is_judged(
    evalset: Path, live_encoder: SpeakerEncoder
) -> None:
    samples = decode(evalset / "audio" / TURNS_CLIP)
    candidate, other = turns(samples, "C"), turns(samples, "D")
    judged, ends = {}, {}
    for every in (1, 2):
        params = LiveAudioParams(enroll_s=4.8, judge_open_every=every)
        live = LiveAudio("interview", VadStream(), live_encoder, params)
        assert feed(live, candidate) == []
        before = len(live.distances)
        found = feed(live, np.concatenate([other, candidate]))
        judged[every] = len(live.distances) - before
        assert [t.type for t in found if t.kind == "start"] == [OTHER_VOICE]
        # The candidate's voice again ends the event either way, at most a chunk later.
        ends[every] = [t.at for t in found if t.kind == "end"]
        assert len(ends[every]) == 1
    assert judged[2] < judged[1]
    assert 0 <= ends[2][0] - ends[1][0] <= CHUNK_S + 1e-6
