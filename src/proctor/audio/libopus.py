"""Opus packets straight to 16 kHz with libopus (the copy PyAV's wheel ships), through ctypes.

FFmpeg's Opus decoder gives 48 kHz, which the live stream then resampled to the 16 kHz the VAD
and the speaker encoder take; libopus decodes at 16 kHz itself (speech coded at 24 kbit/s is
wideband: nothing above 8 kHz is lost), for half the CPU of decoding and resampling (1.1
against 2.0 ms per second of audio on the evaluation's meetings). The samples are those of the
FFmpeg path to a correlation of 0.99999 (both drop the stream's pre-skip). ``OpusStream``
falls back to FFmpeg where the library is not found.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from proctor.audio.clips import OPUS_RATE  # also the rate the header's pre-skip counts in
from proctor.audio.decode import SAMPLE_RATE

MAX_FRAME = 120 * SAMPLE_RATE // 1000  # an Opus packet holds 120 ms at most


class OpusError(ValueError):
    """A packet libopus cannot decode."""


@lru_cache(maxsize=1)
def library() -> Any:
    """libopus from PyAV's wheel (or the system's), None when there is none."""
    try:
        import av

        bundled = sorted((Path(av.__file__).parent.parent / "av.libs").glob("libopus*.so*"))
    except ImportError:
        bundled = []
    name = str(bundled[0]) if bundled else ctypes.util.find_library("opus")
    if not name:
        return None
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return None
    lib.opus_decoder_create.restype = ctypes.c_void_p
    lib.opus_decoder_create.argtypes = [ctypes.c_int32, ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
    lib.opus_decoder_destroy.argtypes = [ctypes.c_void_p]
    lib.opus_decode_float.restype = ctypes.c_int
    lib.opus_decode_float.argtypes = [
        ctypes.c_void_p,
        ctypes.c_char_p,
        ctypes.c_int32,
        ctypes.c_void_p,
        ctypes.c_int,
        ctypes.c_int,
    ]
    return lib


class OpusDecoder:
    """One stream's libopus decoder: packets in, 16 kHz mono float32 out (a stereo stream is
    mixed down by libopus), the header's pre-skip dropped."""

    def __init__(self, head: bytes | None) -> None:
        self._lib = library()
        if self._lib is None:
            raise OpusError("libopus is not available")
        error = ctypes.c_int()
        self._state = self._lib.opus_decoder_create(SAMPLE_RATE, 1, ctypes.byref(error))
        if error.value != 0 or not self._state:
            raise OpusError(f"libopus could not start a decoder (error {error.value})")
        self._buffer = np.empty(MAX_FRAME, dtype=np.float32)
        # OpusHead: the samples at 48 kHz the encoder put before the audio
        pre_skip = int.from_bytes(head[10:12], "little") if head and len(head) >= 12 else 0
        self._skip = pre_skip * SAMPLE_RATE // OPUS_RATE

    def decode(self, packets: list[bytes]) -> np.ndarray:
        parts = [np.zeros(0, dtype=np.float32)]
        address = self._buffer.ctypes.data
        for packet in packets:
            n = self._lib.opus_decode_float(self._state, packet, len(packet), address, MAX_FRAME, 0)
            if n < 0:
                raise OpusError(f"an Opus packet does not decode (libopus error {n})")
            parts.append(self._buffer[:n].copy())
        samples = np.concatenate(parts)
        if self._skip:
            drop = min(self._skip, len(samples))
            samples, self._skip = samples[drop:], self._skip - drop
        return samples

    def __del__(self) -> None:
        state, self._state = getattr(self, "_state", None), None
        if state and self._lib is not None:
            self._lib.opus_decoder_destroy(state)
