"""Files pinned by repository and commit: read from git's objects of any clone holding the
commit (no work tree needed), and the CSV manifests that pin them."""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path


def git(clone: Path, *args: str) -> bytes:
    """What ``git -C clone ARGS`` prints (e.g. ``show COMMIT:PATH`` gives a file's bytes)."""
    return subprocess.run(["git", "-C", str(clone), *args], check=True, capture_output=True).stdout


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def write_rows(path: Path, fields: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fields)
        writer.writeheader()
        writer.writerows(rows)
