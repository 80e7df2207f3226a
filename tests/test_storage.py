"""The data directory: thumbnails, type sniffing, and paths that never leave the directory."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from proctor.storage import Storage, is_jpeg, make_thumbnail, sniff_video_type


def _jpeg(width: int, height: int) -> bytes:
    image = np.zeros((height, width, 3), np.uint8)
    cv2.rectangle(image, (width // 4, height // 4), (width // 2, height // 2), (0, 200, 255), -1)
    return cv2.imencode(".jpg", image)[1].tobytes()


@pytest.mark.parametrize(
    ("size", "expected"),
    [((640, 480), (320, 240)), ((1280, 720), (320, 180)), ((200, 100), (200, 100))],
)
def test_thumbnails_are_at_most_320_wide(size: tuple[int, int], expected: tuple[int, int]) -> None:
    thumb = make_thumbnail(_jpeg(*size))
    assert thumb is not None and is_jpeg(thumb)
    image = cv2.imdecode(np.frombuffer(thumb, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None and (image.shape[1], image.shape[0]) == expected


def test_thumbnail_of_garbage_is_none() -> None:
    assert make_thumbnail(b"\xff\xd8\xff garbage") is None


def test_video_types_come_from_the_bytes() -> None:
    assert sniff_video_type(b"\x1a\x45\xdf\xa3\x01\x00") == "video/webm"
    assert sniff_video_type(b"\x00\x00\x00\x20ftypisom") == "video/mp4"
    assert sniff_video_type(b"RIFF\x00\x00\x00\x00AVI ") is None
    assert sniff_video_type(b"") is None


def test_paths_stay_inside_the_data_dir(tmp_path: Path) -> None:
    storage = Storage(tmp_path / "data")
    storage.prepare()
    rel = storage.save_evidence("abc123", b"\xff\xd8\xffdata")
    assert storage.read(rel) == b"\xff\xd8\xffdata"
    (tmp_path / "outside.txt").write_text("secret")
    assert storage.resolve("../outside.txt") is None
    assert storage.read("../outside.txt") is None
    assert storage.read("/etc/passwd") is None
    for bad in ("../x", "a/b", "", "x y"):
        with pytest.raises(ValueError):
            storage.save_evidence(bad, b"x")
