"""The microphone of a simulated candidate: a real recording as the page streams it (WebM/Opus
chunks of 1 s, ``audio`` messages in order, each sent once the last is acknowledged)."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from proctor.loadtest.counts import AckCounts

AudioMode = Literal["interview", "exam"]
# Continuous speech: the audio process's worst case (every chunk goes through the VAD and, in
# an interview, the speaker encoder).
DEFAULT_RECORDING = "audio/speakers_diarizationExample.wav"


@dataclass(frozen=True)
class AudioFeed:
    mode: AudioMode
    chunks: list[bytes]  # chunk k: the audio of second k to k+1 (chunk 0 with the header)


@dataclass
class AudioCounts(AckCounts):
    sent: int = 0
    accepted: int = 0
    refused: int = 0  # ack not ok: the stream stops (a page would start a new one)
    unacked: int = 0
    errors: dict[str, int] = field(default_factory=dict)


def default_recording() -> Path | None:
    """The turn-taking recording of ``$PROCTOR_EVALSET`` or ``../shared/evalset``, if there."""
    base = os.environ.get("PROCTOR_EVALSET")
    for candidate in ([Path(base)] if base else []) + [Path("../shared/evalset")]:
        if (candidate / DEFAULT_RECORDING).is_file():
            return candidate / DEFAULT_RECORDING
    return None


def load_feed(path: Path, mode: AudioMode, seconds: float) -> AudioFeed:
    """``seconds`` of the recording (repeated when shorter) as the page's chunks."""
    from proctor.audio.clips import webm_chunks
    from proctor.audio.decode import SAMPLE_RATE, decode

    samples = decode(path)
    if not len(samples):
        raise ValueError(f"{path}: no audio")
    need = math.ceil(seconds) * SAMPLE_RATE
    looped = np.tile(samples, -(-need // len(samples)))[:need]
    return AudioFeed(mode, webm_chunks(looped))
