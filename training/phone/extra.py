"""Further phone data beyond the phone-using set, pinned: every file by repository, commit,
path and SHA-256 (``extra.csv``).

- ``aitkherimed1228/Yolov10_project`` at ``9b895c03691c7cd70d7005fbf48403476f22458f``,
  ``detection-2/{train,valid,test}``: the Roboflow "detection" set v2 by detection-hfuet
  (universe.roboflow.com/detection-hfuet/detection-necem/dataset/2), **CC BY 4.0** as its
  ``README.dataset.txt`` and ``data.yaml`` state. One man at a laptop webcam holds a phone, a
  wallet or an AirPods case up to the lens: 355 images at 640x640 (its train split holds two
  augmented copies of each photo). Classes: airpods, phone, wallet. Only the phone boxes are
  kept as phones; images without one are phone-free, and their dark wallets held up at the lens
  are the hardest negatives the product meets.

``extract`` writes the images under ``out/images`` and the phone boxes (YOLO rows, class 0) under
``out/labels``, checks each file against the manifest, and leaves out any image within
``leakage.NEAR`` bits of a development frame (2 of the 355 are, though the person and room are
not those of the dev frames).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import cv2
import numpy as np

from training.phone import leakage, pinned
from training.phone.labels import yolo_rows

MANIFEST = Path(__file__).with_name("extra.csv")
FIELDS = [
    "repo",
    "commit",
    "path",
    "sha256",
    "label_sha256",
    "license",
    "file",
    "phones",
    "phash",
    "phash_mirror",
    "nearest_dev",
    "distance",
    "use",
]
SOURCES = [
    # repo, commit, folders, the class id that is a phone, licence
    (
        "aitkherimed1228/Yolov10_project",
        "9b895c03691c7cd70d7005fbf48403476f22458f",
        ("detection-2/train", "detection-2/valid", "detection-2/test"),
        "1",
        "CC BY 4.0",
    ),
]


def read_manifest(path: Path = MANIFEST) -> list[dict[str, str]]:
    return pinned.read_rows(path)


def phone_rows(label: bytes, phone_class: str) -> list[str]:
    """The YOLO rows of a label file that are phones, as class 0."""
    return [" ".join(["0", *r[1:5]]) for r in yolo_rows(label.decode()) if r[0] == phone_class]


def extract(
    clones: dict[str, Path], out: Path, dev_images: Path, write_manifest: bool = False
) -> list[dict[str, str]]:
    """Write every pinned image and its phone labels under ``out``; return the manifest rows.

    A file whose bytes differ from the manifest raises ``ValueError``; a source without a clone
    raises ``KeyError``. With ``write_manifest`` the rows are (re)written instead of checked.
    """
    expected = {} if write_manifest else {r["file"]: r for r in read_manifest()}
    dev = leakage.read_hashes(sorted(dev_images.glob("*.jpg")))
    for sub in ("images", "labels"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    rows = []
    for repo, commit, folders, phone_class, licence in SOURCES:
        if repo not in clones:
            raise KeyError(f"no clone given for {repo}")
        clone = clones[repo]
        for folder in folders:
            listing = pinned.git(clone, "ls-tree", "-r", "--name-only", commit, f"{folder}/images")
            for path in sorted(listing.decode().splitlines()):
                label_path = f"{folder}/labels/{Path(path).stem}.txt"
                blob = pinned.git(clone, "show", f"{commit}:{path}")
                label = pinned.git(clone, "show", f"{commit}:{label_path}")
                file = f"{repo.split('/')[0]}__{Path(folder).name}__{Path(path).name}"
                digest = hashlib.sha256(blob).hexdigest()
                label_digest = hashlib.sha256(label).hexdigest()
                row = expected.get(file)
                if not write_manifest and (
                    row is None or row["sha256"] != digest or row["label_sha256"] != label_digest
                ):
                    raise ValueError(f"{repo}@{commit}:{path}: not as the manifest pins it")
                image = cv2.imdecode(np.frombuffer(blob, np.uint8), cv2.IMREAD_COLOR)
                if image is None or image.shape[:2] != (640, 640):
                    raise ValueError(f"{repo}@{commit}:{path}: not a 640x640 image")
                h = leakage.hashes(image)
                near, d = leakage.nearest(h, dev)
                phones = phone_rows(label, phone_class)
                rows.append(
                    {
                        "repo": repo,
                        "commit": commit,
                        "path": path,
                        "sha256": digest,
                        "label_sha256": label_digest,
                        "license": licence,
                        "file": file,
                        "phones": str(len(phones)),
                        "phash": f"{h[0]:016x}",
                        "phash_mirror": f"{h[1]:016x}",
                        "nearest_dev": near,
                        "distance": str(d),
                        "use": "1" if d > leakage.NEAR else "0",
                    }
                )
                (out / "images" / file).write_bytes(blob)
                (out / "labels" / (Path(file).stem + ".txt")).write_text(
                    "".join(p + "\n" for p in phones)
                )
    if write_manifest:
        pinned.write_rows(MANIFEST, FIELDS, rows)
    return rows


def training_images(rows: list[dict[str, str]]) -> list[str]:
    return [r["file"] for r in rows if r["use"] == "1"]
