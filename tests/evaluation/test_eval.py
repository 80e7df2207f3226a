"""``proctor eval``: the counting on a small hand-labelled manifest, and the real numbers.

The small manifest lives in a temporary directory whose images are links to evaluation-set
images; some rows are labelled wrongly on purpose, so every cell of the expected counts below is
worked out by hand from what the labels say and what the pipeline reports on those images.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from proctor.cli import main
from proctor.config import Settings
from proctor.evaluation.runner import Evaluation, away_segments, evaluate
from proctor.vision.pipeline import Pipeline
from tests.conftest import with_models

pytestmark = [pytest.mark.models, pytest.mark.slow]

MANIFEST = """file,faces,looking_away,objects,category,notes
single_grace_hopper.jpg,1,false,,single,
multi3_friends_bar.jpg,3,false,extra_person,multi,
noface_coffee_cup.jpg,0,na,,noface,
away_woman_in_car.jpg,1,true,,away,
monitor_desk_books_noface.jpg,0,na,monitor_tv;book,laptop_tv,
single_woman_plain_bg.jpg,2,true,laptop,multi,wrong on purpose: 1 face looking ahead
noface_livingroom.jpg,1,false,,single,wrong on purpose: no face
"""
# phone_dev_008 has one phone the default detector finds, plus a made-up box in a corner;
# phone_dev_003's phone (at the frame's edge) is one it misses.
PHONES = """file,source_repo,source_path,commit,license,phones,boxes,notes
phone_dev_008.jpg,,,,,2,396 271 522 524;0 0 8 8,
phone_dev_003.jpg,,,,,1,88 0 175 238,
"""


def _pipeline() -> Pipeline:
    return with_models(lambda: Pipeline(Settings(object_model="centernet")))


@pytest.fixture(scope="module")
def small_dir(evalset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("small_evalset")
    (root / "images").mkdir()
    (root / "phones" / "images").mkdir(parents=True)
    for line in MANIFEST.splitlines()[1:]:
        name = line.split(",")[0]
        (root / "images" / name).symlink_to(evalset / "images" / name)
    for line in PHONES.splitlines()[1:]:
        name = line.split(",")[0]
        (root / "phones" / "images" / name).symlink_to(evalset / "phones" / "images" / name)
    (root / "manifest.csv").write_text(MANIFEST)
    (root / "phones" / "phones.csv").write_text(PHONES)
    return root


@pytest.fixture(scope="module")
def small(small_dir: Path) -> Evaluation:
    return evaluate(_pipeline(), small_dir)


def test_face_counts_and_confusion(small: Evaluation) -> None:
    faces = small.faces
    assert (faces.correct, faces.total) == (5, 7)
    assert dict(faces.confusion) == {(1, 1): 2, (3, 3): 1, (0, 0): 2, (2, 1): 1, (1, 0): 1}
    assert sorted(faces.errors) == [
        ("noface_livingroom.jpg", 1, 0),
        ("single_woman_plain_bg.jpg", 2, 1),
    ]
    table = faces.table().splitlines()
    assert table[2].split() == ["1", "1", "2", "0", "0", "0"]  # true 1: one found as 0, two as 1


def test_looking_away_counts(small: Evaluation) -> None:
    # labelled rows: 4 false (one with no face found, counted as not away), 1 true found,
    # 1 true missed; the two "na" rows are not scored
    la = small.looking_away
    assert (la.tp, la.fp, la.fn, la.tn) == (1, 0, 1, 3)
    assert la.precision == 1.0 and la.recall == 0.5 and la.f1 == pytest.approx(2 / 3)


def test_object_labels(small: Evaluation) -> None:
    labels = small.objects.labels
    counts = {k: (s.tp, s.fp, s.fn) for k, s in labels.items()}
    assert counts == {
        "cell_phone": (0, 0, 0),
        "book": (1, 0, 0),
        "laptop": (0, 0, 1),
        "monitor_tv": (1, 0, 0),
        "extra_person": (1, 0, 0),  # three faces
    }
    assert labels["laptop"].misses == ["single_woman_plain_bg.jpg"]
    assert labels["laptop"].recall == 0.0


def test_phone_boxes(small: Evaluation) -> None:
    phones = small.objects.phones
    assert phones is not None
    assert (phones.found, phones.total) == (1, 3)
    assert phones.missed_files == ["phone_dev_008.jpg", "phone_dev_003.jpg"]
    assert (phones.false_alarms, phones.phone_free) == (0, 7)


def test_command_prints_and_writes(
    small_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "EVALUATION.md"
    out.write_text("# Evaluation\n\nHand-written notes stay.\n")
    assert main(["eval", str(small_dir), "--write", str(out), "--strict"]) == 1
    printed = capsys.readouterr().out
    assert "face count exact match: 0.714 (5/7)" in printed
    assert "targets missed:" in printed and "laptop recall" in printed
    first = out.read_text()
    assert first.startswith("# Evaluation\n\nHand-written notes stay.\n")
    assert "| face-count exact match | 0.71 | ≥ 0.90 | **no** |" in first
    assert "| **2** | 0 | 1 | 0 | 0 | 0 |" in first
    assert "`single_woman_plain_bg.jpg`: faces: labelled 2, found 1" in first
    # a second run replaces the generated block and keeps the rest
    out.write_text(first + "\n## Notes\n\nAfter the block.\n")
    assert main(["eval", str(small_dir), "--write", str(out), "--no-phones"]) == 0
    second = out.read_text()
    assert second.count("<!-- generated by proctor eval: begin -->") == 1
    assert second.endswith("## Notes\n\nAfter the block.\n")
    assert "Hand-written notes stay." in second and "--no-phones" in second


def test_command_refuses_a_directory_without_manifest(tmp_path: Path) -> None:
    assert main(["eval", str(tmp_path)]) == 2


def test_evaluation_set_meets_the_numbers(evalset: Path) -> None:
    ev = evaluate(_pipeline(), evalset, phones=False)
    # The phone model misses phones held at the ear in street photos (2 of 5 found; model card):
    # the image-level phone targets are reported as missed, and nothing else may be.
    assert set(ev.missed_targets()) <= {"cell_phone recall", "cell_phone precision"}, ev.targets()
    assert ev.faces.accuracy >= 0.90 and ev.looking_away.f1 >= 0.80
    for label in ("book", "laptop", "monitor_tv"):
        assert ev.objects.labels[label].precision >= 0.75, label
        assert ev.objects.labels[label].recall >= 0.5, label
    assert ev.objects.labels["extra_person"].recall >= 0.6
    clips = {c.file: c for c in ev.videos}
    over = clips["overshoulder_laptop_phone_noface.mp4"]
    assert over.frames >= 3 and over.face_counts[0] == over.frames and "laptop" in over.objects
    webcam = clips["webcam_woman_thumbsup.mp4"]
    assert webcam.face_counts[1] >= webcam.frames - 1
    # Eyes-only glances, per labelled segment: (frames, judged looking away)
    glance = clips["webcam_gaze_center_right_center.mp4"].away_by_label
    (n_away, caught), (n_centre, false_alarms) = glance[True], glance[False]
    assert caught / n_away >= 0.8 and false_alarms / n_centre <= 0.1, glance
    n, false_alarms = clips["webcam_gaze_center_focus.mp4"].away_by_label[False]
    assert false_alarms / n <= 0.05


def test_clip_labels_as_segments() -> None:
    label = "segments: ~0-5s false (eyes centre); ~5-10s true (eyes to the side); ~10-15s false"
    assert away_segments(label) == [(0.0, 5.0, False), (5.0, 10.0, True), (10.0, 15.0, False)]
    assert away_segments("false throughout (eyes centre, 10 s)") == [(0.0, float("inf"), False)]
    assert away_segments("na") is None
