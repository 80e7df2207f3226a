"""Speaker embeddings with Resemblyzer's GE2E encoder, run by ONNX Runtime (no torch).

The input is what Resemblyzer feeds its LSTM: a 40-band mel power spectrogram (not log) of
16 kHz audio, 25 ms windows every 10 ms (librosa's ``melspectrogram`` with Slaney mel filters),
computed here in numpy, and the audio first raised to -30 dBFS when quieter. Each window of
160 frames (1.6 s) gives one 256-d, L2-normed embedding.

``SpeakerEncoder(..., int8=True)`` is what the live path runs: the second and third LSTM layers
quantized to int8 (ONNX Runtime's dynamic quantization, weights per channel; made at the first
load and kept beside the float model, ``int8_model``), about half the float model's CPU a
window. The first layer stays float: its input, mel power, spans too many decades for one 8-bit
scale a window (quantized too, the embeddings fall to a cosine of 0.6 to the float ones). On the
dev recordings the int8 embeddings are at a cosine of 0.995 or more to the float ones, and they
judge the speaker turns as the float model does (``python -m proctor.audio.live_eval``;
docs/EVALUATION.md, "Live audio"). ONNX Runtime quantizes the input of an int8 layer with one
scale per call, so windows embedded together affect each other's embeddings a little (a cosine
of 0.9986 in four against one at a time): the live path embeds one chunk a call.
"""

from __future__ import annotations

import logging
import os
import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np

from proctor.audio.decode import SAMPLE_RATE

N_FFT, HOP, N_MELS = 400, 160, 40
WINDOW_FRAMES = 160  # 1.6 s
WINDOW_SAMPLES = WINDOW_FRAMES * HOP
TARGET_DBFS = -30.0
BATCH = 64  # windows per encoder call


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """Slaney's mel scale: linear below 1 kHz, logarithmic above (librosa's default)."""
    mel = hz / (200.0 / 3)
    log_part = hz >= 1000.0
    mel = np.where(log_part, 15.0 + np.log(np.maximum(hz, 1e-9) / 1000.0) / (np.log(6.4) / 27), mel)
    return mel


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    hz = mel * (200.0 / 3)
    return np.where(mel >= 15.0, 1000.0 * np.exp((np.log(6.4) / 27) * (mel - 15.0)), hz)


@lru_cache(maxsize=1)
def mel_filters() -> np.ndarray:
    """(40, 201) Slaney-normalised triangular filters over 0-8 kHz, as librosa builds them."""
    fft_freqs = np.linspace(0, SAMPLE_RATE / 2, 1 + N_FFT // 2)
    edges = _mel_to_hz(
        np.linspace(_hz_to_mel(np.array(0.0)), _hz_to_mel(np.array(SAMPLE_RATE / 2)), N_MELS + 2)
    )
    widths = np.diff(edges)
    ramps = edges[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (edges[2:] - edges[:-2]))[:, None]
    return weights.astype(np.float32)


@lru_cache(maxsize=1)
def _hann() -> np.ndarray:
    n = np.arange(N_FFT)
    return (0.5 - 0.5 * np.cos(2 * np.pi * n / N_FFT)).astype(np.float32)  # periodic


def mel_spectrogram(samples: np.ndarray) -> np.ndarray:
    """(frames, 40) mel power spectrogram, one frame per 10 ms, centred (reflect padding)."""
    pad = N_FFT // 2
    x = np.pad(
        samples.astype(np.float32), pad, mode="reflect" if len(samples) > pad else "constant"
    )
    n_frames = 1 + (len(x) - N_FFT) // HOP
    frames = np.lib.stride_tricks.as_strided(
        x, shape=(n_frames, N_FFT), strides=(x.strides[0] * HOP, x.strides[0])
    )
    spectrum = np.fft.rfft(frames * _hann(), axis=1)
    power = (spectrum.real**2 + spectrum.imag**2).astype(np.float32)
    # einsum's own loop, not a BLAS matmul: numpy's OpenBLAS runs a product this size on every
    # core and its threads then spin, which tripled the live audio path's CPU time (mel
    # features 0.3 -> 1.7 ms a window, the encoder's ONNX call slowed by half); this costs 0.7.
    # (A one-thread BLAS product takes 0.6 against einsum's 0.9, but only in a process that
    # imported the package before numpy, which sets OPENBLAS_NUM_THREADS=1: not worth the trap.)
    mels: np.ndarray = np.einsum("fb,mb->fm", power, mel_filters())
    return mels.astype(np.float32, copy=False)


def volume_gain(samples: np.ndarray) -> float:
    """The gain that raises quiet audio to -30 dBFS (never below 1), as Resemblyzer does."""
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if len(samples) else 0.0
    if rms <= 1e-9:
        return 1.0
    return max(1.0, float(10 ** ((TARGET_DBFS - 20 * np.log10(rms)) / 20)))


def int8_model(model_path: Path) -> bytes:
    """``quantized_model``, kept beside the float model once made (quantizing takes about 2 s
    of CPU, at an audio process's first interview); made again when it cannot be kept."""
    import onnxruntime as ort

    kept = model_path.with_name(f"{model_path.stem}.int8-ort{ort.__version__}.onnx")
    if kept.is_file():
        return kept.read_bytes()
    data = quantized_model(model_path)
    try:
        tmp = kept.with_name(f"{kept.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        tmp.replace(kept)
    except OSError as exc:  # a read-only models directory: quantized again next time
        logging.getLogger(__name__).warning("could not keep %s: %s", kept, exc)
    return data


def quantized_model(model_path: Path) -> bytes:
    """The encoder with its second and third LSTM layers quantized to int8 (ONNX bytes)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model = onnx.load(str(model_path))
    lstms = [node for node in model.graph.node if node.op_type == "LSTM"]
    for k, node in enumerate(lstms):
        node.name = node.name or f"lstm{k}"
    quiet = _NoPreprocessingAdvice()
    logging.getLogger().addFilter(quiet)
    try:
        with tempfile.TemporaryDirectory(prefix="proctor-encoder-") as tmp:
            source, target = Path(tmp) / "float.onnx", Path(tmp) / "int8.onnx"
            onnx.save(model, str(source))
            quantize_dynamic(
                source,
                target,
                op_types_to_quantize=["LSTM"],
                nodes_to_exclude=[lstms[0].name],
                per_channel=True,
                weight_type=QuantType.QInt8,
            )
            return target.read_bytes()
    finally:
        logging.getLogger().removeFilter(quiet)


class _NoPreprocessingAdvice(logging.Filter):
    """ONNX Runtime's quantizer advises its shape pre-processing on the root logger; an LSTM
    graph with fixed shapes has nothing for it to do."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "pre-processing before quantization" not in record.getMessage()


class SpeakerEncoder:
    """The converted GE2E encoder; ``embed`` maps 1.6 s windows to unit vectors. ``int8``: the
    live path's encoder, its last two LSTM layers quantized (``quantized_model``)."""

    def __init__(self, model_path: Path, threads: int = 1, *, int8: bool = False) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        model: str | bytes = int8_model(model_path) if int8 else str(model_path)
        self.int8 = int8
        self._session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])

    def embed_mels(self, mels: np.ndarray) -> np.ndarray:
        """(n, 160, 40) mel windows → (n, 256) embeddings."""
        if len(mels) == 0:
            return np.zeros((0, 256), dtype=np.float32)
        out = self._session.run(["embedding"], {"mels": mels.astype(np.float32)})[0]
        return np.asarray(out, dtype=np.float32)

    def embed(self, windows: list[np.ndarray]) -> np.ndarray:
        """Embeddings of 16 kHz audio windows (each cut or zero-padded to 1.6 s), computed
        ``BATCH`` windows at a time so that a long recording needs no more memory."""
        out = [np.zeros((0, 256), dtype=np.float32)]
        for first in range(0, len(windows), BATCH):
            mels = []
            for w in windows[first : first + BATCH]:
                w = np.pad(w[:WINDOW_SAMPLES], (0, max(0, WINDOW_SAMPLES - len(w))))
                mels.append(mel_spectrogram(w)[:WINDOW_FRAMES])
            out.append(self.embed_mels(np.stack(mels)))
        return np.concatenate(out)
