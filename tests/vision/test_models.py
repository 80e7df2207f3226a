"""Model files: reproducible install (SHA-256), verification, the ``proctor models`` command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from proctor.config import Settings
from proctor.vision.convert.centernet import NPM_PACKAGES, build_centernet, serialize
from proctor.vision.convert.npm import is_installed
from proctor.vision.detectors.base import ModelMissingError
from proctor.vision.models import (
    OBJECT_MODELS,
    human_package_dir,
    install_object_models,
    npm_prefix,
    object_model_path,
    sha256_of,
)
from tests.conftest import require

CENTERNET = OBJECT_MODELS["centernet"]


@pytest.fixture(scope="module")
def installed_dir() -> Path:
    """The configured models directory, with everything `proctor models install` puts there."""
    models_dir = Settings().models_dir
    require(
        (models_dir / CENTERNET.filename).is_file()
        and is_installed(npm_prefix(models_dir), NPM_PACKAGES),
        f"models are not installed in {models_dir}: run `make models`",
    )
    return models_dir


def _proctor(*args: str, models_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PROCTOR_MODELS_DIR": str(models_dir)}
    return subprocess.run(
        [sys.executable, "-m", "proctor.cli", "models", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )


@pytest.mark.models
def test_conversion_is_deterministic(installed_dir: Path) -> None:
    package = human_package_dir(installed_dir)
    first = serialize(build_centernet(package))
    second = serialize(build_centernet(package))
    assert first == second
    assert sha256_of(installed_dir / CENTERNET.filename) == CENTERNET.sha256


@pytest.mark.models
def test_install_reproduces_the_pinned_file_and_reruns_as_no_op(
    installed_dir: Path, tmp_path: Path
) -> None:
    # a fresh models directory sharing the installed npm packages (so no download here)
    fresh = tmp_path / "models"
    fresh.mkdir()
    (fresh / "npm").symlink_to(npm_prefix(installed_dir), target_is_directory=True)
    done = install_object_models(fresh)
    assert any("converted" in line for line in done)
    target = fresh / CENTERNET.filename
    assert sha256_of(target) == CENTERNET.sha256
    assert (fresh / "manifest.json").is_file()
    before = {p.name: p.stat().st_mtime_ns for p in fresh.iterdir()}
    assert any("up to date" in line for line in install_object_models(fresh))
    assert {p.name: p.stat().st_mtime_ns for p in fresh.iterdir()} == before


@pytest.mark.models
def test_models_command_lists_and_verifies(installed_dir: Path) -> None:
    proc = _proctor(models_dir=installed_dir)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    for name in ("face_short", "face_full", "face_mesh", "iris", "centernet", "dlib_resnet"):
        row = next(line for line in lines if line.startswith(name + " "))
        assert " OK " in row
    assert str(installed_dir / CENTERNET.filename) in proc.stdout
    assert f"all {len(lines) - 2} models verified" in proc.stdout  # rows, a blank, the total


def test_models_command_fails_on_missing_model(tmp_path: Path) -> None:
    proc = _proctor(models_dir=tmp_path)
    assert proc.returncode == 1
    row = next(line for line in proc.stdout.splitlines() if line.startswith("centernet "))
    assert "MISSING" in row
    assert "proctor models install" in proc.stdout


@pytest.mark.models
def test_corrupt_model_is_reported(installed_dir: Path, tmp_path: Path) -> None:
    data = bytearray((installed_dir / CENTERNET.filename).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tmp_path / CENTERNET.filename).write_bytes(bytes(data))
    proc = _proctor(models_dir=tmp_path)
    assert proc.returncode == 1
    row = next(line for line in proc.stdout.splitlines() if line.startswith("centernet "))
    assert "BAD" in row
    with pytest.raises(ModelMissingError, match=r"SHA-256.*proctor models install"):
        object_model_path("centernet", tmp_path, verify=True)
