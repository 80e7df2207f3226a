"""One recording's audio analysis: speech stretches and the number of distinct voices.

``AudioAnalyzer`` holds the two models (Silero VAD and the GE2E encoder) so that several files,
or later a live session, reuse them. ``analyze_file`` gives the ``proctor analyze`` audio
object: ``{"source", "kind": "audio", "duration", "speech": [[start, end], ...], "voices"}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from proctor.audio.decode import SAMPLE_RATE, decode
from proctor.audio.encoder import SpeakerEncoder
from proctor.audio.vad import DEFAULT_VAD, Vad, VadParams, speech_segments
from proctor.audio.voices import DEFAULT_VOICES, VoiceParams, voices


@dataclass(frozen=True, slots=True)
class AudioResult:
    duration: float
    speech: list[tuple[float, float]]
    voices: int

    def record(self, source: str) -> dict[str, Any]:
        return {
            "source": source,
            "kind": "audio",
            "duration": round(self.duration, 3),
            "speech": [[round(s, 2), round(e, 2)] for s, e in self.speech],
            "voices": self.voices,
        }


class AudioAnalyzer:
    def __init__(
        self,
        models_dir: Path,
        vad_params: VadParams = DEFAULT_VAD,
        voice_params: VoiceParams = DEFAULT_VOICES,
        threads: int = 1,
    ) -> None:
        from proctor.audio.models import encoder_path

        self.encoder = SpeakerEncoder(encoder_path(models_dir, verify=True), threads=threads)
        self.vad = Vad()
        self.vad_params, self.voice_params = vad_params, voice_params

    def analyze(self, samples: np.ndarray) -> AudioResult:
        """Speech and voices of 16 kHz mono float32 ``samples``."""
        duration = len(samples) / SAMPLE_RATE
        probs = self.vad.probabilities(samples)
        speech = speech_segments(probs, duration, self.vad_params)
        count = voices(self.encoder, samples, speech, self.voice_params)
        return AudioResult(duration, speech, count)

    def analyze_file(self, path: Path) -> AudioResult:
        """Decode ``path`` (an audio file or a video's audio track) and analyze it."""
        return self.analyze(decode(path))
