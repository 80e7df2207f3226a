"""Live audio judgement of one candidate: speech in an exam, another voice in an interview.

``LiveAudio`` takes 16 kHz mono samples as they arrive (with the wall-clock time of their last
sample) and returns event starts and ends, like the vision rules:

- Silero's speech probability of every 32 ms window is smoothed as ``speech_segments`` does it
  (speech starts at ``threshold``, a stretch ends after ``min_silence`` below the low threshold),
  window by window, so the live stretches are the ones ``proctor analyze`` finds.
- ``exam``: a stretch that has lasted ``exam_speech_s`` is ``speech_detected``, dated at its
  onset; the event ends once no speech was heard for ``clear_s``.
- ``interview``: every ``CHUNK_S`` of speech in a stretch is embedded as ``voices`` does it
  (three 1.6 s GE2E windows 0.4 s apart, averaged; the stretch raised to -30 dBFS). The first
  ``enroll_s`` of speech are the candidate's voice (the chunks' normed mean); after that a
  chunk farther than ``other_threshold`` (cosine distance) from it is ``other_voice``, dated at
  the chunk's start; the event ends at a chunk close to the candidate's voice again (while it is
  open, one chunk in ``judge_open_every`` is judged), or once no speech was heard for
  ``clear_s``.

A short ring buffer keeps the last ``RING_S`` seconds, from which each event's clip is cut.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from proctor.audio.decode import SAMPLE_RATE
from proctor.audio.encoder import WINDOW_SAMPLES, SpeakerEncoder, volume_gain
from proctor.audio.vad import DEFAULT_VAD, WINDOW, WINDOW_SECONDS, VadParams, VadStream

if TYPE_CHECKING:
    from proctor.config import Settings

Mode = Literal["interview", "exam"]
MODES: tuple[Mode, ...] = ("interview", "exam")
SPEECH, OTHER_VOICE = "speech_detected", "other_voice"
AUDIO_TYPES: tuple[str, ...] = (SPEECH, OTHER_VOICE)

WINDOW_STEP = int(0.4 * SAMPLE_RATE)
PER_CHUNK = 3  # windows averaged into one chunk, as in voices.py
CHUNK_SAMPLES = WINDOW_SAMPLES + (PER_CHUNK - 1) * WINDOW_STEP  # 2.4 s
CHUNK_S = CHUNK_SAMPLES / SAMPLE_RATE
RING_S = 12.0
CLIP_MAX_S = 10.0
CLIP_BEFORE_S = 1.0  # seconds of the clip before the event's onset


def session_mode(settings_json: dict[str, Any] | None) -> Mode:
    """A session's mode from its stored settings (``interview`` when it has none)."""
    mode = (settings_json or {}).get("mode")
    return "exam" if mode == "exam" else "interview"


@dataclass(frozen=True, slots=True)
class LiveAudioParams:
    vad: VadParams = DEFAULT_VAD
    exam_speech_s: float = 1.5
    clear_s: float = 3.0
    enroll_s: float = 20.0
    # Cosine distance from the candidate's voice beyond which a chunk is someone else's
    # (docs/EVALUATION.md, "Live audio": chosen on the dev recordings' speaker turns).
    other_threshold: float = 0.3
    # After enrolment, one 2.4 s chunk of speech in this many is embedded and judged (every
    # chunk while an other_voice event is open): the encoder is most of the live cost
    # (bench.audio_live), and each skipped chunk adds 2.4 s of speech to the worst-case delay.
    judge_every: int = 1
    # While an other_voice event is open, one chunk in this many is judged: the event is already
    # there (no delay to its start), and its end (the candidate's voice again) comes at most
    # one chunk (2.4 s) later. Another voice talking on is the most expensive case otherwise.
    judge_open_every: int = 2
    # Windows (of the chunk's PER_CHUNK overlapping 1.6 s ones) embedded to judge a chunk once
    # the voice is learned; learning uses all of them. One window costs a third of three. The
    # last one, the newest audio, judges the dev turns at least as well as the middle one (at
    # 0.3: no same-person chunk flagged, all other-person ones caught) and a voice that cuts in
    # is flagged up to 0.4 s sooner (``python -m proctor.audio.live_eval``).
    judge_windows: tuple[int, ...] = (PER_CHUNK - 1,)

    @classmethod
    def from_settings(cls, settings: Settings) -> LiveAudioParams:
        return cls(
            exam_speech_s=settings.audio_exam_speech_seconds,
            enroll_s=settings.audio_enroll_seconds,
            other_threshold=settings.audio_other_threshold,
        )


@dataclass(frozen=True, slots=True)
class AudioTransition:
    kind: Literal["start", "end"]
    type: str
    at: float  # wall clock (s): the onset for a start, the last speech heard for an end
    confidence: float | None = None
    clip: tuple[float, float] | None = None  # wall-clock span of the start's clip


@dataclass(slots=True)
class _Stretch:
    start: int  # first window of the stretch
    silent_since: int | None = None
    samples: list[np.ndarray] = field(default_factory=list)  # its audio not yet embedded
    taken: int = 0  # samples of it already embedded
    flagged: bool = False  # it made an event already (one stretch, at most one exam event)


class LiveAudio:
    """One candidate's live audio: feed samples, get transitions; not thread-safe."""

    def __init__(
        self,
        mode: Mode,
        vad: VadStream,
        encoder: SpeakerEncoder | None,
        params: LiveAudioParams | None = None,
    ) -> None:
        self.mode = mode
        self.vad = vad
        self.encoder = encoder
        self.params = params or LiveAudioParams()
        self.t0: float | None = None  # wall clock of sample 0
        self.samples = 0
        self.windows = 0
        self._ring: deque[np.ndarray] = deque()
        self._ring_start = 0  # sample index of the ring's first sample
        self._pending = np.zeros(0, dtype=np.float32)
        self._stretch: _Stretch | None = None
        self._last_speech: int | None = None  # last window at the threshold
        self._active: str | None = None  # the open event's type
        self._enrolled: list[np.ndarray] = []
        self.voice: np.ndarray | None = None  # the candidate's voice, once learned
        self.distances: list[float] = []  # every judged chunk's distance (for tuning)
        self._unjudged = -1  # chunks since the last judged one (judge_every)
        self._open_unjudged = 0  # the same while an other_voice event is open (judge_open_every)

    def time(self, sample: int) -> float:
        assert self.t0 is not None
        return self.t0 + sample / SAMPLE_RATE

    def feed(self, samples: np.ndarray, end_wall: float) -> list[AudioTransition]:
        samples = np.asarray(samples, dtype=np.float32)
        if self.t0 is None:
            self.t0 = end_wall - len(samples) / SAMPLE_RATE
        self._keep(samples)
        # The VAD keeps the samples of an unfinished window for the next call; so do we, to
        # hand each window's own samples to the stretch it belongs to.
        pending = np.concatenate([self._pending, samples])
        probs = self.vad.feed(samples)
        self._pending = pending[len(probs) * WINDOW :]
        out: list[AudioTransition] = []
        for k, p in enumerate(probs):
            out.extend(self._window(float(p), pending[k * WINDOW : (k + 1) * WINDOW]))
        return out

    def finish(self) -> list[AudioTransition]:
        """End the open event (the stream stops)."""
        if self._active is None or self._last_speech is None:
            return []
        event, self._active = self._active, None
        return [AudioTransition("end", event, self.time((self._last_speech + 1) * WINDOW))]

    def clip(self, start: float, end: float) -> np.ndarray:
        """The kept samples between two wall-clock times (what the ring still holds)."""
        a = max(self._ring_start, int((start - self.time(0)) * SAMPLE_RATE))
        b = min(self.samples, int((end - self.time(0)) * SAMPLE_RATE))
        if b <= a:
            return np.zeros(0, dtype=np.float32)
        ring = np.concatenate(list(self._ring))
        return ring[a - self._ring_start : b - self._ring_start]

    def _keep(self, samples: np.ndarray) -> None:
        self._ring.append(samples)
        self.samples += len(samples)
        limit = int(RING_S * SAMPLE_RATE)
        while self._ring and self.samples - self._ring_start - len(self._ring[0]) >= limit:
            self._ring_start += len(self._ring.popleft())

    def _window(self, p: float, samples: np.ndarray) -> list[AudioTransition]:
        i, self.windows = self.windows, self.windows + 1
        vp = self.params.vad
        low = max(vp.threshold - 0.15, 0.01)
        out: list[AudioTransition] = []
        if p >= vp.threshold:
            self._last_speech = i
        st = self._stretch
        if st is None and p >= vp.threshold:
            st = self._stretch = _Stretch(i)
        if st is not None and self.mode == "interview":
            st.samples.append(samples)
            if p >= vp.threshold:
                st.silent_since = None
            elif p < low:
                st.silent_since = i if st.silent_since is None else st.silent_since
                if i - st.silent_since + 1 >= max(1, round(vp.min_silence / WINDOW_SECONDS)):
                    self._stretch = st = None
        if st is not None:
            out.extend(self._exam(st, i) if self.mode == "exam" else self._interview(st))
        out.extend(self._maybe_clear(i))
        return out

    def _maybe_clear(self, i: int) -> list[AudioTransition]:
        if self._active is None or self._last_speech is None:
            return []
        if (i - self._last_speech) * WINDOW_SECONDS < self.params.clear_s:
            return []
        event, self._active = self._active, None
        return [AudioTransition("end", event, self.time((self._last_speech + 1) * WINDOW))]

    def _start(self, event: str, onset: int, confidence: float | None) -> AudioTransition:
        self._active = event
        at = self.time(onset)
        now = self.time(self.samples)
        span = (max(at - CLIP_BEFORE_S, now - CLIP_MAX_S), now)
        return AudioTransition("start", event, at, confidence, span)

    def _exam(self, st: _Stretch, i: int) -> list[AudioTransition]:
        if self._active is not None or st.flagged:
            return []
        heard = ((st.silent_since if st.silent_since is not None else i + 1) - st.start) * (
            WINDOW_SECONDS
        )
        if heard < self.params.exam_speech_s:
            return []
        st.flagged = True
        return [self._start(SPEECH, st.start * WINDOW, None)]

    def _interview(self, st: _Stretch) -> list[AudioTransition]:
        if self.encoder is None:
            return []
        if len(st.samples) * WINDOW < CHUNK_SAMPLES:
            return []
        audio = np.concatenate(st.samples)
        chunk_at = st.start * WINDOW + st.taken
        chunk, rest = audio[:CHUNK_SAMPLES], audio[CHUNK_SAMPLES:]
        st.samples = [rest] if len(rest) else []
        st.taken += CHUNK_SAMPLES
        if self.voice is not None and self._active != OTHER_VOICE:
            self._unjudged = (self._unjudged + 1) % max(1, self.params.judge_every)
            if self._unjudged:
                return []
        elif self._active == OTHER_VOICE:
            self._open_unjudged = (self._open_unjudged + 1) % max(1, self.params.judge_open_every)
            if self._open_unjudged:
                return []
        embedding = self._embed(chunk, None if self.voice is None else self.params.judge_windows)
        if self.voice is None:
            self._enrolled.append(embedding)
            if len(self._enrolled) * CHUNK_S >= self.params.enroll_s:
                mean = np.mean(self._enrolled, axis=0)
                self.voice = mean / max(float(np.linalg.norm(mean)), 1e-9)
            return []
        distance = 1.0 - float(embedding @ self.voice)
        self.distances.append(distance)
        far = distance > self.params.other_threshold
        if far and self._active is None:
            self._open_unjudged = 0  # the event's next chunk is one of those skipped
            return [self._start(OTHER_VOICE, chunk_at, round(distance, 3))]
        if not far and self._active == OTHER_VOICE:
            self._active = None
            return [AudioTransition("end", OTHER_VOICE, self.time(chunk_at))]
        return []

    def _embed(self, chunk: np.ndarray, which: tuple[int, ...] | None = None) -> np.ndarray:
        """The chunk's unit embedding: the mean over its windows ``which`` (all by default)."""
        assert self.encoder is not None
        gain = volume_gain(chunk)  # the chunk alone: a live stretch has no end to wait for
        windows = [
            chunk[k * WINDOW_STEP : k * WINDOW_STEP + WINDOW_SAMPLES] * gain
            for k in (range(PER_CHUNK) if which is None else which)
        ]
        mean = self.encoder.embed(windows).mean(axis=0)
        unit: np.ndarray = mean / max(float(np.linalg.norm(mean)), 1e-9)
        return unit
