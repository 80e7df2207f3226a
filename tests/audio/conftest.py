"""The audio analysis of every labelled recording, computed once for the audio tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from proctor.audio.analyze import AudioAnalyzer, AudioResult
from proctor.audio.labels import Clip, load_clips
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
