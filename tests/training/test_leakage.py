"""The phone detector's training data: pinned by the manifest, and free of near copies of the
dev frames (the dataset's export put re-toned copies of one photo into several splits)."""

from __future__ import annotations

from pathlib import Path

import cv2
from training.phone import leakage
from training.phone.manifest import COMMIT, MANIFEST, REPO, read_manifest, training_images

from tests.conftest import decode_bgr, read_bgr


def test_near_copies_are_caught_and_different_photos_are_not(evalset: Path) -> None:
    files = sorted((evalset / "phones" / "images").glob("*.jpg"))[:12]
    original = read_bgr(files[0])
    # What the export did to its copies: mirrored, re-toned, re-compressed.
    copy = cv2.convertScaleAbs(cv2.flip(original, 1), alpha=1.15, beta=12)
    ok, buf = cv2.imencode(".jpg", copy, [cv2.IMWRITE_JPEG_QUALITY, 55])
    assert ok
    copy = decode_bgr(buf.tobytes())
    others = leakage.read_hashes(files[1:])
    _, d = leakage.nearest(leakage.hashes(copy), {files[0].name: leakage.hashes(original)})
    assert d <= leakage.NEAR, f"a mirrored, re-toned copy is {d} bits away"
    _, d_other = leakage.nearest(leakage.hashes(original), others)
    assert d_other > leakage.NEAR, f"a different dev photo is only {d_other} bits away"


def test_manifest_pins_every_file() -> None:
    rows = read_manifest()
    assert rows, f"{MANIFEST} is empty"
    assert REPO == "S-Rahul-Naik/AI-Smart-Exam-Proctoring-System" and len(COMMIT) == 40
    assert len(rows) == 3255, "the dataset's train split has 3,255 images"
    assert len({r["image"] for r in rows}) == len(rows)
    assert all(len(r["sha256"]) == 64 and len(r["label_sha256"]) == 64 for r in rows)


def test_no_training_image_is_a_near_copy_of_a_dev_frame(evalset: Path) -> None:
    """Hashes the dev frames now and checks them against every training image's recorded
    hashes, so a changed threshold, manifest or dev set cannot let a copy through."""
    dev = leakage.read_hashes(sorted((evalset / "phones" / "images").glob("*.jpg")))
    used = set(training_images(read_manifest()))
    checked = 0
    for row in read_manifest():
        h = (int(row["phash"], 16), int(row["phash_mirror"], 16))
        _, d = leakage.nearest(h, dev)
        if row["image"] in used:
            assert d > leakage.NEAR, f"{row['image']} is {d} bits from a dev frame"
            checked += 1
        else:
            assert d <= leakage.NEAR, f"{row['image']} was left out, but is {d} bits away"
    assert checked > 2000


def test_negatives_share_no_source_with_the_evaluation_set(evalset: Path) -> None:
    """The phone-free training images come from repositories the evaluation set never uses."""
    import csv

    from training.phone.negatives import read_manifest as read_negatives

    negatives = read_negatives()
    assert len(negatives) > 1000
    assert all(len(r["sha256"]) == 64 and len(r["commit"]) == 40 for r in negatives)
    used: set[str] = {REPO}
    for table in ("manifest.csv", "videos.csv", "phones/phones.csv", "audio/audio.csv"):
        with (evalset / table).open(newline="") as f:
            used |= {row["source_repo"] for row in csv.DictReader(f)}
    assert not {r["repo"] for r in negatives} & used
