"""The live path's int8 speaker encoder against the float one, on the dev speaker turns."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from proctor.audio.analyze import AudioAnalyzer
from proctor.audio.decode import SAMPLE_RATE, decode
from proctor.audio.encoder import WINDOW_SAMPLES, SpeakerEncoder
from proctor.audio.labels import TURNS_CLIP
from proctor.audio.live import LiveAudioParams
from proctor.audio.live_eval import distances, opus_round_trip


def test_int8_embeddings_stay_close_to_the_float_ones(
    evalset: Path, analyzer: AudioAnalyzer, live_encoder: SpeakerEncoder
) -> None:
    samples = decode(evalset / "audio" / TURNS_CLIP)
    step = WINDOW_SAMPLES // 2
    windows = [samples[k : k + WINDOW_SAMPLES] for k in range(0, len(samples), step)]
    assert len(windows) > 50
    exact, int8 = analyzer.encoder.embed(windows), live_encoder.embed(windows)
    cosine = np.sum(exact * int8, axis=1)  # both unit vectors
    assert cosine.min() >= 0.99


def test_int8_judges_the_speaker_turns_as_the_float_encoder(
    evalset: Path, analyzer: AudioAnalyzer, live_encoder: SpeakerEncoder
) -> None:
    threshold = LiveAudioParams().other_threshold
    raw = decode(evalset / "audio" / TURNS_CLIP)
    for samples in (raw, opus_round_trip(raw)):
        same, other = distances(analyzer.encoder, samples)
        same8, other8 = distances(live_encoder, samples)
        assert len(same8) == len(same) and len(other8) == len(other)
        assert (same8 > threshold).sum() == (same > threshold).sum() == 0
        assert (other8 > threshold).sum() == (other > threshold).sum()
        assert np.abs(same8 - same).max() < 0.02 and np.abs(other8 - other).max() < 0.02
    assert len(raw) > 20 * SAMPLE_RATE


def test_mel_features_are_the_filterbank_sums(evalset: Path) -> None:
    from proctor.audio.encoder import N_FFT, _hann, mel_filters, mel_spectrogram

    samples = decode(evalset / "audio" / TURNS_CLIP)[:WINDOW_SAMPLES]
    x = np.pad(samples.astype(np.float64), N_FFT // 2, mode="reflect")
    frames = np.stack([x[k : k + N_FFT] for k in range(0, len(x) - N_FFT + 1, 160)])
    power = np.abs(np.fft.rfft(frames * _hann(), axis=1)) ** 2
    reference = np.einsum("fb,mb->fm", power, mel_filters().astype(np.float64))
    got = mel_spectrogram(samples)
    assert got.dtype == np.float32 and got.shape == reference.shape
    assert np.allclose(got, reference, rtol=1e-4, atol=1e-6 * reference.max())


def test_the_int8_model_is_made_once_and_kept_beside_the_float_one(tmp_path: Path) -> None:
    from proctor.audio.encoder import int8_model, quantized_model
    from proctor.audio.models import encoder_path
    from proctor.config import get_settings
    from tests.conftest import with_models

    source = with_models(lambda: encoder_path(get_settings().models_dir, verify=True))
    model = tmp_path / source.name
    model.write_bytes(source.read_bytes())
    made = int8_model(model)
    kept = [p for p in tmp_path.iterdir() if p != model]
    assert [p.name.split("-ort")[0] for p in kept] == [f"{model.stem}.int8"]
    assert kept[0].read_bytes() == made
    assert int8_model(model) == made  # read back, not made again
    assert quantized_model(model) == made  # deterministic
