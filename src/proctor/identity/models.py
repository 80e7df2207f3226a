"""The identity model files: dlib's ResNet face descriptor and 5-point shape predictor.

They ship as data inside the PyPI package ``face-recognition-models`` (a project dependency);
they are read from its directory without importing it (its ``__init__`` needs
``pkg_resources``). Every file is checked by SHA-256 before use.
"""

from __future__ import annotations

from pathlib import Path

from proctor.vision.detectors.base import ModelMissingError
from proctor.vision.models import (
    ModelFile,
    ModelStatus,
    file_status,
    installed_package_dir,
    sha256_of,
)

IDENTITY_PACKAGE = "face_recognition_models"
IDENTITY_PACKAGE_PIN = "face-recognition-models==0.3.0"
INSTALL_HINT = "run `make install` (the package is a project dependency)"


IDENTITY_MODELS: dict[str, ModelFile] = {
    m.name: m
    for m in (
        ModelFile(
            "dlib_resnet",
            "dlib_face_recognition_resnet_model_v1.dat",
            "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30",
            "dlib ResNet face descriptor (128-D): is this the enrolled person",
        ),
        ModelFile(
            "dlib_shape5",
            "shape_predictor_5_face_landmarks.dat",
            "c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888",
            "dlib 5-point landmarks: aligns the face for the descriptor",
        ),
    )
}


def identity_package_dir() -> Path:
    """The model directory of the installed ``face-recognition-models`` package."""
    root = installed_package_dir(IDENTITY_PACKAGE)
    if root is None:
        raise ModelMissingError(
            f"identity models are not installed: the package {IDENTITY_PACKAGE_PIN} is "
            f"missing; {INSTALL_HINT}"
        )
    return root / "models"


def identity_model_path(name: str) -> Path:
    """Path of an identity model file, refused unless its SHA-256 is the pinned one."""
    model = IDENTITY_MODELS[name]
    path = identity_package_dir() / model.filename
    if not path.is_file():
        raise ModelMissingError(f"identity model file {path} is missing; {INSTALL_HINT}")
    if sha256_of(path) != model.sha256:
        raise ModelMissingError(
            f"identity model file {path} does not match its SHA-256; {INSTALL_HINT}"
        )
    return path


def identity_statuses() -> list[ModelStatus]:
    """The identity models for ``proctor models``: where, size, and whether SHA-256 matches."""
    try:
        directory: Path | None = identity_package_dir()
    except ModelMissingError:
        directory = None
    return [
        file_status(
            m.name,
            "face",
            directory / m.filename if directory is not None else None,
            m.sha256,
            m.purpose,
        )
        for m in IDENTITY_MODELS.values()
    ]
