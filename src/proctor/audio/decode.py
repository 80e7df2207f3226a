"""Decoding audio files, and the audio track of videos, to 16 kHz mono float32.

PyAV carries its own FFmpeg libraries, so WAV, FLAC, Ogg/Vorbis, Opus, WebM, MP3 and the audio
of MP4/MKV/WebM videos decode without a system ``ffmpeg``. Its resampler mixes every channel
down to one and converts the rate, chunk by chunk, so a long recording never needs a second
full-rate copy in memory.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

SAMPLE_RATE = 16_000
AUDIO_SUFFIXES = frozenset({".wav", ".flac", ".ogg", ".oga", ".opus", ".webm", ".mp3", ".m4a"})


class AudioError(ValueError):
    """A file that cannot be read as audio, or that has no audio track."""


def tracks(path: Path) -> tuple[bool, bool]:
    """Whether the file holds (a video track, an audio track); both false when unreadable.

    A video track that is a single still picture (the cover art of an MP3) does not count.
    """
    import av

    try:
        with av.open(str(path)) as container:
            video = any(
                s.frames != 1 and not (s.disposition & av.stream.Disposition.attached_pic)
                for s in container.streams.video
            )
            return video, bool(container.streams.audio)
    except (av.FFmpegError, OSError, ValueError):
        return False, False


def decode(path: Path, *, rate: int = SAMPLE_RATE) -> np.ndarray:
    """The first audio track of ``path`` as mono float32 samples in [-1, 1] at ``rate`` Hz.

    Raises AudioError when the file is missing, not a media file, has no audio track, or
    its audio cannot be decoded.
    """
    import av

    if not path.is_file():
        raise AudioError(f"{path}: no such file")
    try:
        container = av.open(str(path))
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise AudioError(f"{path}: not a readable audio or video file ({exc})") from exc
    chunks: list[np.ndarray] = []
    try:
        if not container.streams.audio:
            raise AudioError(f"{path}: has no audio track")
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1))
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray().reshape(-1))
    except av.FFmpegError as exc:
        raise AudioError(f"{path}: the audio cannot be decoded ({exc})") from exc
    finally:
        container.close()
    if not chunks:
        raise AudioError(f"{path}: the audio track holds no samples")
    samples = np.concatenate(chunks).astype(np.float32, copy=False)
    return np.clip(samples, -1.0, 1.0)
