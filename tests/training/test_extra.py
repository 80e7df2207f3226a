"""The further phone data: pinned by extra.csv, free of near copies of the dev frames, from
sources the evaluation set never uses, with only its phone boxes read as phones."""

from __future__ import annotations

import csv
from pathlib import Path

from training.phone import extra, leakage


def test_every_file_is_pinned_with_its_licence() -> None:
    rows = extra.read_manifest()
    assert len(rows) == 355, "the detection set v2 has 355 images in its three splits"
    assert len({r["file"] for r in rows}) == len(rows)
    assert all(len(r["sha256"]) == 64 and len(r["label_sha256"]) == 64 for r in rows)
    assert {(r["repo"], r["commit"], r["license"]) for r in rows} == {
        (repo, commit, licence) for repo, commit, _, _, licence in extra.SOURCES
    }
    assert sum(int(r["phones"]) > 0 for r in rows) == 102


def test_no_image_trained_on_is_a_near_copy_of_a_dev_frame(evalset: Path) -> None:
    dev = leakage.read_hashes(sorted((evalset / "phones" / "images").glob("*.jpg")))
    used = set(extra.training_images(extra.read_manifest()))
    for row in extra.read_manifest():
        h = (int(row["phash"], 16), int(row["phash_mirror"], 16))
        _, d = leakage.nearest(h, dev)
        assert (d > leakage.NEAR) == (row["file"] in used), f"{row['file']}: {d} bits"
    assert len(used) > 300


def test_sources_are_not_sources_of_the_evaluation_set(evalset: Path) -> None:
    used: set[str] = set()
    for table in ("manifest.csv", "videos.csv", "phones/phones.csv", "audio/audio.csv"):
        with (evalset / table).open(newline="") as f:
            used |= {row["source_repo"] for row in csv.DictReader(f)}
    assert not {repo for repo, *_ in extra.SOURCES} & used


def test_only_phone_boxes_are_kept_as_phones() -> None:
    label = b"0 0.5 0.5 0.2 0.3\n1 0.25 0.4 0.1 0.2\n2 0.7 0.7 0.2 0.2\n\n"
    assert extra.phone_rows(label, "1") == ["0 0.25 0.4 0.1 0.2"]
    assert extra.phone_rows(b"2 0.7 0.7 0.2 0.2\n", "1") == []
