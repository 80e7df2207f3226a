"""libopus at 16 kHz against FFmpeg's decoder and resampler, on every evaluation recording."""

from __future__ import annotations

import numpy as np
import pytest

from proctor.audio import libopus, vad
from proctor.audio.clips import webm_chunks
from proctor.audio.decode import SAMPLE_RATE, decode
from proctor.audio.labels import Clip
from proctor.audio.stream import OpusStream, StreamError


def speech_mask(samples: np.ndarray, duration: float) -> np.ndarray:
    """Speech per 10 ms as the live VAD's stretches have it."""
    mask = np.zeros(int(duration * 100) + 1, dtype=bool)
    for a, b in vad.speech_segments(vad.Vad().probabilities(samples), duration):
        mask[int(a * 100) : int(b * 100)] = True
    return mask


def test_libopus_is_found() -> None:
    assert libopus.library() is not None
    assert OpusStream().native


def test_the_speech_heard_is_as_close_to_the_recording_as_through_ffmpeg(
    clips: list[Clip],
) -> None:
    off = {True: 0, False: 0}
    for clip in clips:
        original = decode(clip.path)
        duration = len(original) / SAMPLE_RATE
        chunks = webm_chunks(original)
        heard = {}
        for native in (True, False):
            stream = OpusStream(native)
            heard[native] = np.concatenate([stream.feed(c) for c in chunks])
        assert abs(len(heard[True]) - len(heard[False])) <= 32  # the decoders' last samples
        n = min(len(heard[True]), len(heard[False]), len(original))
        assert np.corrcoef(heard[True][:n], heard[False][:n])[0, 1] > 0.98, clip.name
        truth = speech_mask(original, duration)
        for native in (True, False):
            off[native] += int((speech_mask(heard[native][:n], duration) != truth).sum())
    # Over the 13 recordings (6 minutes), 3.5 s away from the recording's own stretches.
    assert off[True] <= off[False]


def test_a_packet_libopus_refuses_is_a_stream_error(evalset_speech: np.ndarray) -> None:
    stream = OpusStream()
    stream.feed(b"".join(webm_chunks(evalset_speech)[:2]))
    block = b"\x81\x00\x00\x80" + b"\xff" * 3  # track 1, an invalid TOC length
    with pytest.raises(StreamError, match="Opus"):
        stream.feed(b"\xa3" + bytes([0x80 | len(block)]) + block)


@pytest.fixture
def evalset_speech(clips: list[Clip]) -> np.ndarray:
    return decode(next(c.path for c in clips if c.name == "meeting_trn03.wav"))[: 3 * SAMPLE_RATE]
