"""Shared test helpers: where the evaluation set is, and skip-or-fail for missing services.

Tests that need something this machine may lack (the evaluation set, PostgreSQL, Redis,
Chromium) call ``require``: it skips with the reason locally, and fails under ``CI=true``,
where nothing may skip silently.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import cv2
import numpy as np
import pytest

from proctor.vision.detectors.base import ModelMissingError
from proctor.vision.models import FACE_MODELS, face_model_path

T = TypeVar("T")

PROJECT_ROOT = Path(__file__).resolve().parents[1]
EVALSET_DIR = Path(os.environ.get("PROCTOR_EVALSET", PROJECT_ROOT.parent / "shared" / "evalset"))
SHARED_MODELS_DIR = EVALSET_DIR.parent / "models"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def read_bgr(path: Path) -> np.ndarray:
    """An image file as OpenCV's BGR array; one it cannot read fails the test, by name."""
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert image is not None, f"cannot read {path}"
    return image


def decode_bgr(data: bytes) -> np.ndarray:
    """Encoded image bytes as OpenCV's BGR array; undecodable bytes fail the test."""
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None, "the bytes do not decode as an image"
    return image


def require(condition: bool, reason: str) -> None:
    """Skip the calling test with ``reason`` unless ``condition``; under CI, fail instead."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required under CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


def with_models(build: Callable[[], T]) -> T:
    """``build()``; a model it needs that is not installed skips the calling test (fails under
    CI) with the message that names the command installing it."""
    try:
        return build()
    except ModelMissingError as exc:
        require(False, str(exc))
        raise


def require_face_models() -> None:
    """Skip (fail under CI) unless every face model is installed."""
    with_models(lambda: [face_model_path(name) for name in FACE_MODELS])


@pytest.fixture(scope="session")
def evalset() -> Path:
    """The evaluation set directory (../shared/evalset beside the project)."""
    require(
        (EVALSET_DIR / "manifest.csv").is_file(),
        f"evaluation set not found at {EVALSET_DIR} (set PROCTOR_EVALSET)",
    )
    return EVALSET_DIR


@pytest.fixture(scope="session")
def evalset_image(evalset: Path):  # type: ignore[no-untyped-def]
    """Bytes of one evaluation image by file name."""

    def read(name: str) -> bytes:
        return (evalset / "images" / name).read_bytes()

    return read
