"""``LiveAudioParams.judge_every``: fewer chunks judged once the voice is learned, on real turns."""

from __future__ import annotations

from pathlib import Path

from proctor.audio.analyze import AudioAnalyzer
from proctor.audio.decode import decode
from proctor.audio.labels import TURNS_CLIP
from proctor.audio.live import OTHER_VOICE, LiveAudio, LiveAudioParams
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
