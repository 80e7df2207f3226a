"""Event clips: real speech encoded to WebM/Opus decodes back to the same speech."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from proctor.audio.clips import encode_clip, is_clip
from proctor.audio.decode import SAMPLE_RATE, decode
from proctor.audio.stream import OpusStream


def test_a_clip_decodes_to_its_speech_in_a_small_file(evalset: Path) -> None:
    speech = decode(evalset / "audio" / "meeting_trn03.wav")[: 10 * SAMPLE_RATE]
    data = encode_clip(speech)
    assert is_clip(data)
    assert len(data) < 40_000  # 24 kbit/s for 10 s, and the container
    heard = OpusStream().feed(data)
    assert abs(len(heard) - len(speech)) < 0.05 * SAMPLE_RATE
    n = min(len(heard), len(speech))
    assert np.corrcoef(heard[:n], speech[:n])[0, 1] > 0.98
