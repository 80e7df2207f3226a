"""The audio analysis of every labelled recording, computed once for the audio tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from proctor.audio.analyze import AudioAnalyzer, AudioResult
from proctor.audio.encoder import SpeakerEncoder
from proctor.audio.labels import Clip, load_clips
from proctor.audio.models import encoder_path
from proctor.config import get_settings
from tests.conftest import with_models


@pytest.fixture(scope="session")
def analyzer() -> AudioAnalyzer:
    return with_models(lambda: AudioAnalyzer(get_settings().models_dir))


@pytest.fixture(scope="session")
def clips(evalset: Path) -> list[Clip]:
    return load_clips(evalset / "audio")


@pytest.fixture(scope="session")
def analyzed(analyzer: AudioAnalyzer, clips: list[Clip]) -> dict[str, AudioResult]:
    """Every clip's result, by file name."""
    return {clip.name: analyzer.analyze_file(clip.path) for clip in clips}


@pytest.fixture(scope="session")
def live_encoder() -> SpeakerEncoder:
    """The live path's speaker encoder (its last two LSTM layers in int8)."""
    return with_models(
        lambda: SpeakerEncoder(encoder_path(get_settings().models_dir, verify=True), int8=True)
    )
