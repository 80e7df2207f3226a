"""The audio process: every live candidate's stream, VAD, voice and ring buffer, in one process.

Audio work runs in one process of its own, started at a lower CPU priority (``audio_nice``):
never on the event loop, never holding the server's interpreter lock, and never taking a turn of
the vision workers. When the cores are busy, the vision workers (at normal priority) win them;
audio waits a little longer, which a 1 s chunk can afford. Its state lives here, keyed by
session: the calls for one session come in the order the chunks arrived (one worker, first in
first out).
"""

from __future__ import annotations

import logging
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from proctor.audio.clips import encode_clip
from proctor.audio.live import LiveAudio, LiveAudioParams, Mode
from proctor.audio.stream import OpusStream, StreamError

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Stream:
    opus: OpusStream
    live: LiveAudio
    seq: int
    bytes: int = 0
    cpu: float = 0.0


_streams: dict[str, _Stream] = {}
_encoder: Any = None
_models_dir: Path | None = None
_params = LiveAudioParams()


def init_worker(models_dir: Path, nice: int, params: LiveAudioParams) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server stops the process itself
    if nice > 0:
        os.nice(nice)
    global _models_dir, _params
    _models_dir, _params = models_dir, params


def ping() -> int:
    return os.getpid()


def _speaker_encoder() -> Any:
    """Loaded at the first interview (exam sessions never need it); its last two LSTM layers
    in int8 (``SpeakerEncoder``: quantized once, about 2 s of CPU, and kept beside the float
    model for the next processes)."""
    global _encoder
    if _encoder is None:
        from proctor.audio.encoder import SpeakerEncoder
        from proctor.audio.models import encoder_path

        assert _models_dir is not None
        _encoder = SpeakerEncoder(encoder_path(_models_dir, verify=True), int8=True)
    return _encoder


def feed(
    session_id: str, mode: Mode, seq: int, data: bytes, received_wall: float
) -> dict[str, Any]:
    """One chunk of a session's stream: ``{"ok", "transitions", "seconds"}`` or ``{"ok",
    "error"}``; a start transition carries its clip's WebM bytes. Sequence 0 starts a new
    stream."""
    cpu = time.process_time()
    stream = _streams.get(session_id)
    if seq == 0:
        from proctor.audio.vad import VadStream

        encoder = None
        if mode == "interview":
            try:
                encoder = _speaker_encoder()
            except Exception as exc:  # not installed: speech is still followed, voices not
                log.error("the speaker encoder is unavailable: %s", exc)
        # A new stream of the same page keeps the voice already learned.
        old = stream.live if stream is not None else None
        live = LiveAudio(mode, VadStream(), encoder, _params)
        if old is not None and old.mode == mode:
            live.voice = old.voice
        stream = _streams[session_id] = _Stream(OpusStream(), live, -1)
    if stream is None or seq != stream.seq + 1:
        return {"ok": False, "error": "audio chunk out of sequence: start again at 0"}
    stream.seq = seq
    stream.bytes += len(data)
    try:
        samples = stream.opus.feed(data)
    except StreamError as exc:
        _streams.pop(session_id, None)
        return {"ok": False, "error": f"audio refused: {exc}"}
    found = stream.live.feed(samples, received_wall)
    out = [_transition(stream.live, tr) for tr in found]
    stream.cpu += time.process_time() - cpu
    return {"ok": True, "transitions": out, "seconds": len(samples) / 16000}


def _transition(live: LiveAudio, tr: Any) -> dict[str, Any]:
    item = {"kind": tr.kind, "type": tr.type, "at": tr.at, "confidence": tr.confidence}
    if tr.clip is not None:
        samples = live.clip(*tr.clip)
        item["clip"] = encode_clip(samples) if len(samples) else None
    return item


def finish(session_id: str) -> list[dict[str, Any]]:
    """Forget the session's stream; the end of its open event, if any."""
    stream = _streams.pop(session_id, None)
    if stream is None:
        return []
    return [_transition(stream.live, tr) for tr in stream.live.finish()]


def usage(session_id: str | None = None) -> dict[str, float]:
    """CPU seconds spent in ``feed`` (``cpu_s``) and audio seconds heard, over the live streams
    or the one of ``session_id``; ``process_cpu_s``: the whole audio process's CPU since it
    started (every thread, and the calls' unpickling and pickling besides ``feed``)."""
    streams = [s for key, s in _streams.items() if session_id in (None, key)]
    return {
        "cpu_s": sum(s.cpu for s in streams),
        "audio_s": sum(s.live.samples for s in streams) / 16000,
        "process_cpu_s": time.process_time(),  # os.times() counts in 10 ms ticks
    }
