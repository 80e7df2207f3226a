"""Phone-free negative images for the phone detector, pinned: repository, commit, path, SHA-256.

Nearly every image of the training dataset holds a phone, so the model learns little about
frames without one. These images show no phone (nor tablet) and are trained as background:
faces and upper bodies at close range, and hands held up towards the camera.

Sources (``negatives.csv`` lists every file; licences as the repositories state them):

- ``SubhiH/HandsDataset`` (Apache-2.0): webcam frames of people holding one or two hands up
  towards the camera (fist, one to five fingers), indoors and outdoors, glasses, dark clothes.
- ``chandrikadeb7/Face-Mask-Detection`` (MIT): its ``without_mask`` face photographs, close
  crops of many people of varied skin tone, age and lighting.
- ``msebastien/YOLO_ObjectDetection`` (CC BY 4.0, the Roboflow "hand gestures" set by Pablo
  Ochoa, Antonio Luna and Eliezer Alvarez, as its ``README.dataset.txt`` states): a signer in
  dark clothes, hands near the face and chest.
- ``OlYVER1337/Object-detection-`` (CC BY 4.0, the Roboflow "Bottles and Cup" set by Data
  Cluster Labs, as its ``README.dataset.txt`` states): cups, mugs and bottles, often in a hand.
- ``serengil/deepface`` (MIT): the unit and integration test face photographs (portraits,
  frontal and turned, with and without glasses).
- ``serengil/retinaface`` (MIT) and ``timesler/facenet-pytorch`` (MIT): test face photographs.

Every candidate was run through the CenterNet and the COCO YOLOX-Nano object models with the
``cell_phone`` threshold at 0.1; any image either of them scored as a phone was left out, as
were images under 120 px on the short side, byte-identical duplicates and near copies of an
evaluation frame (``leakage.NEAR``). So that no one person or style dominates, the larger
sources were thinned at random with a fixed seed: 700 of the hand images, 600 of the faces
without masks, and 320 of the 914 gesture images were checked (161 kept).

``extract`` reads each file from git's objects of a clone of its repository (any clone holding
the pinned commit will do) and checks it against the manifest.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from training.phone import pinned

MANIFEST = Path(__file__).with_name("negatives.csv")
FIELDS = ["repo", "commit", "path", "sha256", "license", "file"]


def read_manifest(path: Path = MANIFEST) -> list[dict[str, str]]:
    return pinned.read_rows(path)


def extract(clones: dict[str, Path], out: Path) -> int:
    """Write every image of ``negatives.csv`` into ``out`` (flat); return how many.

    ``clones`` maps each repository ("owner/name") to a local clone of it. A file whose bytes
    do not match the manifest's SHA-256 raises ``ValueError``; a repository without a clone
    raises ``KeyError``.
    """
    rows = read_manifest()
    missing = sorted({r["repo"] for r in rows} - clones.keys())
    if missing:
        raise KeyError(f"no clone given for {', '.join(missing)}")
    out.mkdir(parents=True, exist_ok=True)
    for row in rows:
        blob = pinned.git(clones[row["repo"]], "show", f"{row['commit']}:{row['path']}")
        digest = hashlib.sha256(blob).hexdigest()
        if digest != row["sha256"]:
            raise ValueError(
                f"{row['repo']}@{row['commit']}:{row['path']}: SHA-256 {digest} is not the "
                f"manifest's {row['sha256']}"
            )
        (out / row["file"]).write_bytes(blob)
    return len(rows)
