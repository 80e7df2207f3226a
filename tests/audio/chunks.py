"""A recording as the candidate's page sends it: a live WebM/Opus stream (unknown sizes, as
MediaRecorder writes) cut into ~1 s chunks, encoded with PyAV from a real clip's samples."""

from __future__ import annotations

import io
import itertools

import av
import numpy as np

from proctor.audio.decode import SAMPLE_RATE


def webm_chunks(samples: np.ndarray, seconds: float = 1.0, bitrate: int = 24_000) -> list[bytes]:
    """``samples`` (16 kHz mono float) as WebM/Opus, cut after each ``seconds`` of audio."""
    out = io.BytesIO()
    cuts: list[int] = []
    step = int(seconds * SAMPLE_RATE)
    pcm = (np.clip(samples, -1, 1) * 32767).astype(np.int16)[None, :]
    with av.open(out, "w", format="webm", options={"live": "1"}) as container:
        stream = container.add_stream("libopus", rate=48_000, layout="mono")
        stream.codec_context.format = "s16"
        stream.codec_context.bit_rate = bitrate
        resampler = av.AudioResampler(format="s16", layout="mono", rate=48_000)
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
