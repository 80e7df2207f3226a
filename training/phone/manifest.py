"""The training data, pinned: every file by repository, commit, path and SHA-256.

``prepare`` reads the dataset from a local clone of its repository at the pinned commit (any
clone will do: files are read from git's objects, not a work tree), writes them under the data
folder, checks each against the manifest, and marks the ones too close to an evaluation frame.
"""

from __future__ import annotations

import csv
import hashlib
import subprocess
from pathlib import Path

import cv2
import numpy as np

from training.phone import leakage

REPO = "S-Rahul-Naik/AI-Smart-Exam-Proctoring-System"
COMMIT = "fdedf49541c9bf3d94023ec674a0811ae5326f9c"
ROOT = "backend/model/datasets/train"
MANIFEST = Path(__file__).with_name("manifest.csv")
FIELDS = [
    "repo",
    "commit",
    "path",
    "sha256",
    "phash",
    "phash_mirror",
    "nearest_dev",
    "distance",
    "use",
]


def _git(clone: Path, *args: str) -> bytes:
    return subprocess.run(["git", "-C", str(clone), *args], check=True, capture_output=True).stdout


def read_manifest(path: Path = MANIFEST) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def prepare(
    clone: Path, out: Path, dev_images: Path, write_manifest: bool = False
) -> list[dict[str, str]]:
    """Extract the training split into ``out``/{images,labels}; return the manifest rows."""
    names = _git(clone, "ls-tree", "-r", "--name-only", COMMIT, ROOT).decode().splitlines()
    images = sorted(n for n in names if n.startswith(f"{ROOT}/images/"))
    dev = leakage.read_hashes(sorted(dev_images.glob("*.jpg")))
    expected = (
        {r["path"]: r for r in read_manifest()} if MANIFEST.exists() and not write_manifest else {}
    )
    rows = []
    for sub in ("images", "labels"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    for path in images:
        label_path = f"{ROOT}/labels/{Path(path).stem}.txt"
        for p, sub in ((path, "images"), (label_path, "labels")):
            blob = _git(clone, "show", f"{COMMIT}:{p}")
            digest = hashlib.sha256(blob).hexdigest()
            if expected and expected.get(p, {}).get("sha256") != digest:
                raise ValueError(f"{p}: SHA-256 {digest} is not the manifest's")
            (out / sub / Path(p).name).write_bytes(blob)
            if sub == "images":
                image = cv2.imdecode(np.frombuffer(blob, np.uint8), cv2.IMREAD_COLOR)
                if image is None:
                    raise ValueError(f"{p}: not a readable image")
                h = leakage.hashes(image)
                near, d = leakage.nearest(h, dev)
                rows.append(
                    {
                        "repo": REPO,
                        "commit": COMMIT,
                        "path": p,
                        "sha256": digest,
                        "phash": f"{h[0]:016x}",
                        "phash_mirror": f"{h[1]:016x}",
                        "nearest_dev": near,
                        "distance": str(d),
                        "use": "1" if d > leakage.NEAR else "0",
                    }
                )
            else:
                rows.append(
                    {
                        "repo": REPO,
                        "commit": COMMIT,
                        "path": p,
                        "sha256": digest,
                        "phash": "",
                        "phash_mirror": "",
                        "nearest_dev": "",
                        "distance": "",
                        "use": "1",
                    }
                )
    if write_manifest:
        with MANIFEST.open("w", newline="") as f:
            writer = csv.DictWriter(f, FIELDS)
            writer.writeheader()
            writer.writerows(rows)
    return rows


def training_images(rows: list[dict[str, str]]) -> list[str]:
    """File names of the images that may be trained on (near copies of dev frames left out)."""
    return [Path(r["path"]).name for r in rows if "/images/" in r["path"] and r["use"] == "1"]
