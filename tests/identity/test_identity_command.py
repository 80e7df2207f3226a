"""``proctor identity`` on real photos and webcam frames of the evaluation set.

Same person: Obama in two press photos (the second cropped to him: its largest face is Biden's),
and the man of the two webcam gaze clips, one frame of each (enrolment minutes earlier vs a
later webcam frame). Different people: Obama against Grace Hopper, and against the uncropped
Obama-and-Biden photo, whose primary (largest) face is Biden's.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from proctor.cli import main
from proctor.identity.verify import DEFAULT_MODEL, THRESHOLDS
from tests.conftest import read_bgr, with_models

THRESHOLD = THRESHOLDS[DEFAULT_MODEL]
KEYS = ["reference", "source", "score", "same_person"]


def run_json(
    capsys: pytest.CaptureFixture[str], *paths: Path | str
) -> tuple[int, list[dict[str, object]], str]:
    code = with_models(lambda: main(["identity", *map(str, paths), "--json"]))
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err


def video_frame(path: Path, index: int) -> np.ndarray:
    cap = cv2.VideoCapture(str(path))
    cap.set(cv2.CAP_PROP_POS_FRAMES, index)
    ok, frame = cap.read()
    cap.release()
    assert ok, f"cannot read frame {index} of {path}"
    return frame


@pytest.fixture(scope="module")
def photos(evalset: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    images, videos = evalset / "images", evalset / "videos"
    out = tmp_path_factory.mktemp("identity")
    pair = read_bgr(images / "multi2_obama_biden.jpg")
    obama_crop = out / "obama_from_pair.png"
    cv2.imwrite(str(obama_crop), pair[:, : pair.shape[1] // 2])
    enrolment, later = out / "enrolment.png", out / "webcam_later.png"
    cv2.imwrite(str(enrolment), video_frame(videos / "webcam_gaze_center_focus.mp4", 0))
    cv2.imwrite(str(later), video_frame(videos / "webcam_gaze_center_right_center.mp4", 60))
    tiny = out / "obama_tiny.png"
    obama = read_bgr(images / "single_obama_pressroom.jpg")
    cv2.imwrite(str(tiny), cv2.resize(obama, (160, 90), interpolation=cv2.INTER_AREA))
    return {
        "obama": images / "single_obama_pressroom.jpg",
        "obama_biden": images / "multi2_obama_biden.jpg",
        "obama_crop": obama_crop,
        "hopper": images / "single_grace_hopper.jpg",
        "no_face": images / "noface_coffee_cup.jpg",
        "enrolment": enrolment,
        "webcam_later": later,
        "tiny": tiny,
    }


@pytest.mark.models
def test_same_and_different_people(
    photos: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, rows, err = run_json(
        capsys, photos["obama"], photos["obama_crop"], photos["hopper"], photos["obama_biden"]
    )
    assert code == 0, err
    assert [r["source"] for r in rows] == [
        str(photos[k]) for k in ("obama_crop", "hopper", "obama_biden")
    ]
    same, hopper, biden = rows
    assert same["same_person"] is True
    assert isinstance(same["score"], float) and same["score"] >= THRESHOLD
    for other in (hopper, biden):
        assert other["same_person"] is False
        assert isinstance(other["score"], float) and other["score"] < THRESHOLD


@pytest.mark.models
def test_webcam_frame_against_enrolment_from_another_clip(
    photos: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, [row], err = run_json(capsys, photos["enrolment"], photos["webcam_later"])
    assert code == 0, err
    assert row["same_person"] is True
    assert isinstance(row["score"], float) and row["score"] >= THRESHOLD


@pytest.mark.models
def test_no_usable_face_gives_nulls(
    photos: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, rows, _ = run_json(capsys, photos["obama"], photos["no_face"], photos["tiny"])
    assert code == 0
    assert [(r["score"], r["same_person"]) for r in rows] == [(None, None), (None, None)]
    # No face in the reference: every line is null, even for a clear face.
    code, [row], _ = run_json(capsys, photos["no_face"], photos["obama"])
    assert code == 0
    assert (row["score"], row["same_person"]) == (None, None)


@pytest.mark.models
def test_json_shape(photos: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    _, rows, _ = run_json(capsys, photos["obama"], photos["hopper"], photos["no_face"])
    for row in rows:
        assert list(row) == KEYS
        assert row["reference"] == str(photos["obama"])
        assert isinstance(row["source"], str)
        assert row["score"] is None or isinstance(row["score"], float)
        assert row["same_person"] in (True, False, None)
        assert (row["score"] is None) == (row["same_person"] is None)


@pytest.mark.models
def test_unreadable_image_is_named_and_the_rest_still_compared(
    photos: dict[str, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = tmp_path / "missing.jpg"
    not_image = tmp_path / "notes.jpg"
    not_image.write_text("not a photo")
    code, rows, err = run_json(capsys, photos["obama"], missing, photos["obama_crop"], not_image)
    assert code == 1
    assert [r["source"] for r in rows] == [str(photos["obama_crop"])]
    assert f"{missing}: cannot read the file" in err
    assert f"{not_image}: not an image" in err


def test_unreadable_reference_stops_before_any_output(
    photos: dict[str, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = tmp_path / "reference.jpg"
    code = main(["identity", str(missing), str(photos["obama"]), "--json"])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert f"reference {missing}: cannot read the file" in err


@pytest.mark.models
def test_plain_text_output(photos: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    code = with_models(
        lambda: main(
            ["identity", str(photos["obama"]), str(photos["obama_crop"]), str(photos["no_face"])]
        )
    )
    out, _ = capsys.readouterr()
    assert code == 0
    same, no_face = out.splitlines()
    assert same.startswith(f"{photos['obama_crop']}: same person (similarity 0.")
    assert no_face == f"{photos['no_face']}: no usable face in this image"
