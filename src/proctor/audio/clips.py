"""Event clips: a few seconds of 16 kHz mono audio as a small WebM/Opus file (PyAV's libopus),
which every browser's ``<audio>`` plays."""

from __future__ import annotations

import io
import itertools

import numpy as np

from proctor.audio.decode import SAMPLE_RATE

CLIP_MIME = "audio/webm"
CLIP_SUFFIX = ".webm"
CLIP_BITRATE = 24_000
OPUS_RATE = 48_000  # what Opus carries in WebM whatever the input rate


def encode_clip(samples: np.ndarray) -> bytes:
    """``samples`` (16 kHz mono float in [-1, 1]) as WebM/Opus bytes."""
    import av

    out = io.BytesIO()
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype(np.int16)[None, :]
    with av.open(out, "w", format="webm") as container:
        stream = container.add_stream("libopus", rate=OPUS_RATE, layout="mono")
        stream.codec_context.format = "s16"
        stream.codec_context.bit_rate = CLIP_BITRATE
        resampler = av.AudioResampler(format="s16", layout="mono", rate=OPUS_RATE)
        frames: list[av.AudioFrame] = []
        for start in range(0, pcm.shape[1], SAMPLE_RATE // 10):
            frame = av.AudioFrame.from_ndarray(
                pcm[:, start : start + SAMPLE_RATE // 10], format="s16", layout="mono"
            )
            frame.sample_rate = SAMPLE_RATE
            frames.extend(resampler.resample(frame))
        frames.extend(resampler.resample(None))
        for frame in frames:
            frame.pts = None
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
