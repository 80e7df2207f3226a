"""Speech found by Silero VAD and the smoothing, against the labels of the real recordings."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np

from proctor.audio.analyze import AudioResult
from proctor.audio.decode import decode
from proctor.audio.labels import Clip, SpeechScore, score_speech
from proctor.audio.models import vad_path
from proctor.audio.vad import WINDOW, WINDOW_SECONDS, Vad, VadParams, speech_segments
from proctor.config import get_settings
from tests.conftest import with_models

# Measured over the 13 labelled recordings (docs/EVALUATION.md, "Audio"): F1 0.954 with
# speech claimed on 1.3% of the unlabelled time; plain Silero at 0.5 gives 0.879 and 0.4%.
F1_FLOOR = 0.94
FALSE_SPEECH_CEILING = 0.02


def test_speech_over_the_labelled_recordings(
    clips: list[Clip], analyzed: dict[str, AudioResult]
) -> None:
    total = SpeechScore(0, 0, 0, 0)
    for clip in clips:
        result = analyzed[clip.name]
        assert result.duration == clip.duration or abs(result.duration - clip.duration) < 0.02
        total = total + score_speech(result.speech, clip.speech, clip.duration)
    assert total.f1 >= F1_FLOOR
    assert total.false_speech <= FALSE_SPEECH_CEILING


def test_the_clean_turns_are_found_almost_exactly(
    clips: list[Clip], analyzed: dict[str, AudioResult]
) -> None:
    for clip in clips:
        if clip.name.startswith("speakers_"):
            assert score_speech(analyzed[clip.name].speech, clip.speech, clip.duration).f1 > 0.98


def test_segments_are_sorted_and_inside_the_recording(
    clips: list[Clip], analyzed: dict[str, AudioResult]
) -> None:
    for clip in clips:
        speech = analyzed[clip.name].speech
        assert all(0 <= s < e <= clip.duration + 0.01 for s, e in speech)
        assert all(a[1] < b[0] for a, b in itertools.pairwise(speech))


def probs(*runs: tuple[float, float]) -> np.ndarray:
    """Probabilities from (value, seconds) runs."""
    return np.concatenate([np.full(round(sec / WINDOW_SECONDS), v) for v, sec in runs])


def test_smoothing() -> None:
    params = VadParams(threshold=0.5, min_speech=0.25, min_silence=1.0, pad=0.0)
    # A half-second pause inside speech is bridged; a two-second one is not.
    bridged = speech_segments(probs((0.9, 2), (0.1, 0.5), (0.9, 2)), 10, params)
    assert len(bridged) == 1
    split = speech_segments(probs((0.9, 2), (0.1, 2), (0.9, 2)), 10, params)
    assert len(split) == 2
    assert split[0][1] == np.float64(2.016) or abs(split[0][1] - 2.0) < 0.05
    # A blip shorter than min_speech is dropped; values between the two thresholds keep speech.
    assert speech_segments(probs((0.1, 1), (0.9, 0.1), (0.1, 2)), 10, params) == []
    held = speech_segments(probs((0.9, 1), (0.4, 3), (0.1, 2)), 10, params)
    assert len(held) == 1 and abs(held[0][1] - 4.0) < 0.05
    padded = speech_segments(probs((0.9, 1), (0.1, 2)), 3, VadParams(pad=0.2))
    assert padded[0][0] == 0.0 and abs(padded[0][1] - 1.2) < 0.05


def test_a_stream_fed_in_pieces_scores_what_the_whole_recording_scores(evalset: Path) -> None:
    vad = with_models(Vad)
    x = decode(evalset / "audio" / "meeting_dev01.wav")[: 10 * 16_000]
    whole = vad.probabilities(x)
    stream, parts = vad.stream(), []
    cuts = [0, 700, 16_000, 16_001, 40_000, 95_000, len(x)]  # uneven, as chunks arrive
    for a, b in itertools.pairwise(cuts):
        parts.append(stream.feed(x[a:b]))
    assert np.allclose(np.concatenate(parts), whole, atol=1e-5)
    stream.reset()
    assert np.allclose(stream.feed(x), whole, atol=1e-5)


def test_the_onnx_model_follows_pysilero(evalset: Path) -> None:
    x = decode(evalset / "audio" / "meeting_trn05.wav")
    onnx, reference = with_models(Vad).probabilities(x), Vad("pysilero").probabilities(x)
    assert onnx.shape == reference.shape
    assert float(np.corrcoef(onnx, reference)[0, 1]) > 0.97
    assert float(np.mean((onnx >= 0.5) == (reference >= 0.5))) > 0.97


def test_a_muted_microphone_is_not_scored(evalset: Path) -> None:
    vad = with_models(Vad)
    x = decode(evalset / "audio" / "speakers_diarizationExample.wav")[: 4 * 16_000]
    muted = np.concatenate([np.zeros(16_000, dtype=np.float32), x])
    probs = vad.probabilities(muted)
    assert not probs[: 16_000 // WINDOW].any()
    assert probs.max() > 0.9  # the speech after it is still found


def test_the_vad_model_is_listed_and_verified() -> None:
    from proctor.audio.models import audio_model_statuses

    path = with_models(vad_path)
    rows = {r.name: r for r in audio_model_statuses(get_settings().models_dir)}
    assert rows["silero_vad"].status == "ok" and rows["silero_vad"].path == path
