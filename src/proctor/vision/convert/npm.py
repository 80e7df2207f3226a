"""Installing pinned npm packages into a private prefix (the models directory), with ``npm``."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path


class NpmError(RuntimeError):
    """npm is missing or the install failed; the message says what to do."""


def package_dir(prefix: Path, name: str) -> Path:
    return prefix / "node_modules" / name


def installed_version(prefix: Path, name: str) -> str | None:
    try:
        meta = json.loads((package_dir(prefix, name) / "package.json").read_text())
    except (OSError, ValueError):
        return None
    version = meta.get("version")
    return version if isinstance(version, str) else None


def is_installed(prefix: Path, packages: dict[str, str]) -> bool:
    return all(installed_version(prefix, n) == v for n, v in packages.items())


def npm_install(prefix: Path, packages: dict[str, str], *, timeout_s: float = 600) -> None:
    """Install exactly ``packages`` (name -> version) under ``prefix``; no-op when present.

    Lifecycle scripts are not run: none of these packages needs one, and it keeps the install
    from fetching anything but the packages themselves.
    """
    if is_installed(prefix, packages):
        return
    npm = shutil.which("npm")
    if npm is None:
        raise NpmError("npm is not installed; install Node.js 18+ with npm (e.g. apt install npm)")
    prefix.mkdir(parents=True, exist_ok=True)
    manifest = {"name": "proctor-models", "private": True, "dependencies": dict(packages)}
    (prefix / "package.json").write_text(json.dumps(manifest, indent=2) + "\n")
    cmd = [npm, "install", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"]
    try:
        proc = subprocess.run(
            cmd, cwd=prefix, capture_output=True, text=True, timeout=timeout_s, check=False
        )
    except subprocess.TimeoutExpired:
        raise NpmError(f"npm install in {prefix} took over {timeout_s:.0f} s") from None
    if proc.returncode != 0 or not is_installed(prefix, packages):
        detail = (proc.stderr or proc.stdout).strip()[-2000:]
        raise NpmError(f"npm install in {prefix} failed (exit {proc.returncode}): {detail}")
