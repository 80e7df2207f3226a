"""Event clips: a few seconds of 16 kHz mono audio as a small WebM/Opus file (PyAV's libopus),
which every browser's ``<audio>`` plays (Opus in WebM always plays at 48 kHz)."""

from __future__ import annotations

import io
import itertools

import numpy as np

from proctor.audio.decode import SAMPLE_RATE

CLIP_MIME = "audio/webm"
CLIP_SUFFIX = ".webm"
CLIP_BITRATE = 24_000
OPUS_RATE = 48_000  # what Opus carries in WebM whatever the input rate


# The clip is encoded as it is (16 kHz, which Opus takes) at Opus's lowest complexity: the
# default (10), from 48 kHz, took 150 ms of the audio process's CPU for a 10 s clip, as much as
# half a minute of an exam's other audio work (bench.audio_stages); this takes 20-30, for a
# file of the same size whose waveform is about as close to the original (correlation 0.991,
# against 0.997).
CLIP_COMPLEXITY = 0


def encode_clip(samples: np.ndarray) -> bytes:
    """``samples`` (16 kHz mono float in [-1, 1]) as WebM/Opus bytes."""
    import av

    out = io.BytesIO()
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype(np.int16)[None, :]
    with av.open(out, "w", format="webm") as container:
        options = {"compression_level": str(CLIP_COMPLEXITY)}
        stream = container.add_stream("libopus", rate=SAMPLE_RATE, layout="mono", options=options)
        stream.codec_context.format = "s16"
        stream.codec_context.bit_rate = CLIP_BITRATE
        for start in range(0, pcm.shape[1], SAMPLE_RATE // 10):
            frame = av.AudioFrame.from_ndarray(
                pcm[:, start : start + SAMPLE_RATE // 10], format="s16", layout="mono"
            )
            frame.sample_rate = SAMPLE_RATE
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return out.getvalue()


def is_clip(data: bytes) -> bool:
    """Whether ``data`` starts like a WebM file (an audio clip, not a JPEG)."""
    return data[:4] == b"\x1a\x45\xdf\xa3"


def webm_chunks(
    samples: np.ndarray, seconds: float = 1.0, bitrate: int = CLIP_BITRATE
) -> list[bytes]:
    """``samples`` (16 kHz mono float) as the candidate's page streams them: live WebM/Opus
    (unknown sizes, as MediaRecorder writes), cut after each ``seconds`` of audio. For tests,
    benchmarks and load tests that play a candidate."""
    import av

    out = io.BytesIO()
    cuts: list[int] = []
    step = int(seconds * SAMPLE_RATE)
    pcm = (np.clip(samples, -1, 1) * 32767).astype(np.int16)[None, :]
    with av.open(out, "w", format="webm", options={"live": "1"}) as container:
        stream = container.add_stream("libopus", rate=OPUS_RATE, layout="mono")
        stream.codec_context.format = "s16"
        stream.codec_context.bit_rate = bitrate
        resampler = av.AudioResampler(format="s16", layout="mono", rate=OPUS_RATE)
        for start in range(0, pcm.shape[1], step):
            frame = av.AudioFrame.from_ndarray(
                pcm[:, start : start + step], format="s16", layout="mono"
            )
            frame.sample_rate = SAMPLE_RATE
            for resampled in resampler.resample(frame):
                resampled.pts = None
                for packet in stream.encode(resampled):
                    container.mux(packet)
            cuts.append(out.tell())
        for packet in stream.encode(None):
            container.mux(packet)
    data = out.getvalue()
    bounds = [0, *cuts[:-1], len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds) if b > a]
