"""Writing small test recordings with PyAV (in a test's tmp dir, from a real clip's samples)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import cast

import av
import numpy as np
from av.audio.stream import AudioStream

# suffix → (container format, audio codec, codec sample rate, sample format)
FORMATS: dict[str, tuple[str, str, int, str]] = {
    ".wav": ("wav", "pcm_s16le", 16_000, "s16"),
    ".flac": ("flac", "flac", 16_000, "s16"),
    ".ogg": ("ogg", "vorbis", 44_100, "fltp"),
    ".opus": ("ogg", "libopus", 48_000, "s16"),
    ".webm": ("webm", "libopus", 48_000, "s16"),
    ".mp3": ("mp3", "libmp3lame", 44_100, "s16p"),
}


def _resampled(samples: np.ndarray, rate: int, fmt: str, layout: str) -> list[av.AudioFrame]:
    pcm = (np.clip(samples, -1, 1) * 32767).astype(np.int16)[None, :]
    resampler = av.AudioResampler(format=fmt, layout=layout, rate=rate)
    frames: list[av.AudioFrame] = []
    for start in range(0, pcm.shape[1], 1600):
        frame = av.AudioFrame.from_ndarray(
            pcm[:, start : start + 1600], format="s16", layout="mono"
        )
        frame.sample_rate = 16_000
        frames.extend(resampler.resample(frame))
    frames.extend(resampler.resample(None))
    return frames


def write_audio(path: Path, samples: np.ndarray, *, stereo: bool = False) -> Path:
    """``samples`` (16 kHz mono float) encoded as ``path``'s suffix says, in a file of its own."""
    container_format, codec, rate, fmt = FORMATS[path.suffix]
    # FFmpeg's own Vorbis encoder is flagged experimental and writes two channels only.
    vorbis = codec == "vorbis"
    layout = "stereo" if stereo or vorbis else "mono"
    with av.open(str(path), "w", format=container_format) as container:
        stream = cast(AudioStream, container.add_stream(codec, rate=rate, layout=layout))
        stream.codec_context.format = fmt
        if vorbis:
            stream.codec_context.options = {"strict": "experimental"}
        for frame in _resampled(samples, rate, fmt, layout):
            frame.pts = None
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def write_video_with_audio(path: Path, samples: np.ndarray, seconds: float) -> Path:
    """A small WebM (VP8 grey frames, 5 fps) whose audio track is ``samples`` in Opus."""
    with av.open(str(path), "w", format="webm") as container:
        video = container.add_stream("libvpx", rate=5)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        audio = container.add_stream("libopus", rate=48_000, layout="mono")
        audio.codec_context.format = "s16"
        for i in range(int(seconds * 5)):
            image = np.full((48, 64, 3), 40 + 4 * i, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, 5)
            for packet in video.encode(frame):
                container.mux(packet)
        for packet in video.encode(None):
            container.mux(packet)
        for aframe in _resampled(samples, 48_000, "s16", "mono"):
            aframe.pts = None
            for packet in audio.encode(aframe):
                container.mux(packet)
        for packet in audio.encode(None):
            container.mux(packet)
    return path
