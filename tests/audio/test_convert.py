"""The speaker encoder converted from Resemblyzer's checkpoint without torch."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from proctor.audio.convert import ConvertError, convert, read_legacy_state
from proctor.audio.encoder import SpeakerEncoder, mel_filters, mel_spectrogram
from proctor.audio.models import ENCODER_SHA256, checkpoint_path, encoder_path
from proctor.config import get_settings
from tests.conftest import with_models


def test_checkpoint_reads_without_torch() -> None:
    state = read_legacy_state(with_models(checkpoint_path))
    assert state["lstm.weight_ih_l0"].shape == (1024, 40)
    assert state["lstm.weight_hh_l2"].shape == (1024, 256)
    assert state["linear.weight"].shape == (256, 256)
    assert all(v.dtype == np.float32 and np.isfinite(v).all() for v in state.values())


def test_conversion_is_deterministic_and_pinned() -> None:
    data = convert(with_models(checkpoint_path))
    assert hashlib.sha256(data).hexdigest() == ENCODER_SHA256


def test_not_a_checkpoint(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"\x80\x04K\x01.")  # a pickled 1
    with pytest.raises(ConvertError):
        read_legacy_state(bad)


def test_features_and_embeddings(evalset: Path) -> None:
    from proctor.audio.decode import decode

    encoder = SpeakerEncoder(with_models(lambda: encoder_path(get_settings().models_dir)))
    assert mel_filters().shape == (40, 201)
    x = decode(evalset / "audio" / "speakers_diarizationExample.wav")
    assert mel_spectrogram(x[:25_600]).shape == (161, 40)
    # Two overlapping windows of one stretch of speech give nearly the same voice.
    a, b = x[16_000 : 16_000 + 25_600], x[20_000 : 20_000 + 25_600]
    embeddings = encoder.embed([a, b, np.zeros(1000, dtype=np.float32) + 0.01])
    assert embeddings.shape == (3, 256)
    assert np.allclose(np.linalg.norm(embeddings, axis=1), 1, atol=1e-5)
    assert float(embeddings[0] @ embeddings[1]) > 0.8


def test_install_converts_once_then_is_a_no_op(tmp_path: Path) -> None:
    from proctor.audio.models import audio_model_statuses, install_audio_models
    from proctor.vision.detectors.base import ModelMissingError

    with_models(checkpoint_path)
    row = audio_model_statuses(tmp_path)[0]
    assert row.name == "speaker_encoder"
    assert row.status == "missing"
    assert any("converted" in line for line in install_audio_models(tmp_path))
    target = encoder_path(tmp_path, verify=True)
    mtime = target.stat().st_mtime_ns
    assert any("up to date" in line for line in install_audio_models(tmp_path))
    assert target.stat().st_mtime_ns == mtime
    assert audio_model_statuses(tmp_path)[0].ok
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))
    assert audio_model_statuses(tmp_path)[0].status == "bad"
    with pytest.raises(ModelMissingError, match="proctor models install"):
        encoder_path(tmp_path, verify=True)
