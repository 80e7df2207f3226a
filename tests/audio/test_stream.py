"""The live WebM/Opus stream: chunks cut anywhere decode to the recording, bad bytes are refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from proctor.audio.decode import SAMPLE_RATE, decode
from proctor.audio.stream import OpusStream, StreamError, WebmOpusDemuxer
from tests.audio.chunks import webm_chunks


@pytest.fixture(scope="module")
def speech(evalset: Path) -> np.ndarray:
    return decode(evalset / "audio" / "meeting_trn03.wav")[: 6 * SAMPLE_RATE]


@pytest.mark.parametrize("native", [True, False], ids=["libopus", "ffmpeg"])
def test_chunks_cut_anywhere_decode_to_the_recording(speech: np.ndarray, native: bool) -> None:
    data = b"".join(webm_chunks(speech))
    rng = np.random.default_rng(1)
    stream, out, at = OpusStream(native), [], 0
    while at < len(data):
        size = int(rng.integers(1, 700))  # cuts inside ids, sizes and blocks alike
        out.append(stream.feed(data[at : at + size]))
        at += size
    heard = np.concatenate(out)
    assert abs(len(heard) - len(speech)) < 0.05 * SAMPLE_RATE
    n = min(len(heard), len(speech))
    # Opus at 24 kbit/s keeps the waveform of speech: it correlates with the original.
    assert np.corrcoef(heard[:n], speech[:n])[0, 1] > 0.95
    assert stream.demuxer.codec_private is not None and stream.demuxer.codec_private[:8] == (
        b"OpusHead"
    )


def test_the_first_chunk_is_the_header_and_each_next_one_carries_a_second(
    speech: np.ndarray,
) -> None:
    stream = OpusStream()
    seconds = [len(stream.feed(chunk)) / SAMPLE_RATE for chunk in webm_chunks(speech)]
    assert all(s <= 2.1 for s in seconds) and sum(seconds) == pytest.approx(6.0, abs=0.05)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"RIFF\x00\x00\x00\x00WAVE", "WebM header"),
        (b"\x1a\x45\xdf\xa3\x00", "EBML"),  # a zero byte cannot start a variable-length integer
        # An empty header, then an element claiming 16 MB: no chunk of speech needs one
        (b"\x1a\x45\xdf\xa3\x80\xec\x01\x00\x00\x00\x01\x00\x00\x00", "not allowed"),
    ],
)
def test_bytes_that_are_not_a_webm_stream_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(StreamError, match=message):
        WebmOpusDemuxer().feed(data)


def test_an_undecodable_opus_packet_is_refused(speech: np.ndarray) -> None:
    chunks = webm_chunks(speech)
    header = chunks[0] + chunks[1]
    stream = OpusStream()
    stream.feed(header)
    # A SimpleBlock of track 1 holding bytes that are no Opus packet (an invalid TOC length)
    block = b"\x81\x00\x00\x80" + b"\xff" * 3
    element = b"\xa3" + bytes([0x80 | len(block)]) + block
    with pytest.raises(StreamError, match="Opus"):
        stream.feed(element)


def test_samples_read_from_the_frame_buffer_are_to_ndarray_s(speech: np.ndarray) -> None:
    import av

    from proctor.audio.stream import _samples

    demuxer = WebmOpusDemuxer()
    packets = [p for chunk in webm_chunks(speech) for p in demuxer.feed(chunk)]
    decoder = av.CodecContext.create("opus", "r")
    assert isinstance(decoder, av.AudioCodecContext)
    decoder.extradata = demuxer.codec_private
    frames = [f for p in packets for f in decoder.decode(av.Packet(p))]
    resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
    assert frames and frames[0].format.name == "fltp"
    for frame in [*frames, *resampler.resample(frames[0])]:  # float planes, and s16 as well
        assert np.array_equal(_samples(frame), frame.to_ndarray())
