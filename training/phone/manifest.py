"""The training data, pinned: every file by repository, commit, path and SHA-256 (the
repository, commit and folder once, below; each image and its label file by name and digest).

``prepare`` reads the dataset from a local clone of its repository at the pinned commit (any
clone will do: files are read from git's objects, not a work tree), writes them under the data
folder, checks each against the manifest, and marks the ones too close to an evaluation frame.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import cv2
import numpy as np

from training.phone import leakage, pinned

REPO = "S-Rahul-Naik/AI-Smart-Exam-Proctoring-System"
COMMIT = "fdedf49541c9bf3d94023ec674a0811ae5326f9c"
ROOT = "backend/model/datasets/train"
# One row per image of ROOT/images at COMMIT of REPO: its SHA-256 and its label file's
# (ROOT/labels/<stem>.txt), both perceptual hashes, the nearest dev frame and its distance in
# bits, and whether it is trained on.
MANIFEST = Path(__file__).with_name("manifest.csv")
FIELDS = [
    "image",
    "sha256",
    "label_sha256",
    "phash",
    "phash_mirror",
    "nearest_dev",
    "distance",
    "use",
]


def read_manifest(path: Path = MANIFEST) -> list[dict[str, str]]:
    return pinned.read_rows(path)


def prepare(
    clone: Path, out: Path, dev_images: Path, write_manifest: bool = False
) -> list[dict[str, str]]:
    """Extract the training split into ``out``/{images,labels}; return the manifest rows."""
    names = pinned.git(clone, "ls-tree", "-r", "--name-only", COMMIT, ROOT).decode().splitlines()
    images = sorted(n for n in names if n.startswith(f"{ROOT}/images/"))
    dev = leakage.read_hashes(sorted(dev_images.glob("*.jpg")))
    expected = (
        {r["image"]: r for r in read_manifest()} if MANIFEST.exists() and not write_manifest else {}
    )
    rows = []
    for sub in ("images", "labels"):
        (out / sub).mkdir(parents=True, exist_ok=True)

    def fetch(path: str, expected_digest: str | None) -> tuple[bytes, str]:
        """A file's bytes from the clone, written under ``out``, checked against the manifest."""
        blob = pinned.git(clone, "show", f"{COMMIT}:{path}")
        digest = hashlib.sha256(blob).hexdigest()
        if expected and expected_digest != digest:
            raise ValueError(f"{path}: SHA-256 {digest} is not the manifest's")
        (out / Path(path).parent.name / Path(path).name).write_bytes(blob)
        return blob, digest

    for path in images:
        name = Path(path).name
        row = expected.get(name, {})
        blob, digest = fetch(path, row.get("sha256"))
        _, label_digest = fetch(f"{ROOT}/labels/{Path(path).stem}.txt", row.get("label_sha256"))
        image = cv2.imdecode(np.frombuffer(blob, np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            raise ValueError(f"{path}: not a readable image")
        h = leakage.hashes(image)
        near, d = leakage.nearest(h, dev)
        rows.append(
            {
                "image": name,
                "sha256": digest,
                "label_sha256": label_digest,
                "phash": f"{h[0]:016x}",
                "phash_mirror": f"{h[1]:016x}",
                "nearest_dev": near,
                "distance": str(d),
                "use": "1" if d > leakage.NEAR else "0",
            }
        )
    if write_manifest:
        pinned.write_rows(MANIFEST, FIELDS, rows)
    return rows


def training_images(rows: list[dict[str, str]]) -> list[str]:
    """File names of the images that may be trained on (near copies of dev frames left out)."""
    return [r["image"] for r in rows if r["use"] == "1"]
