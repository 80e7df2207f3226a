"""Evidence thumbnails from real evaluation images; anything unusable gives None."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from proctor.reports.images import THUMB_SIZE, ThumbnailCache, make_thumbnail


def test_real_images_become_small_jpegs(evalset: Path) -> None:
    paths = sorted((evalset / "images").glob("*.jpg"))
    assert paths
    for path in paths:
        result = make_thumbnail(path.read_bytes())
        assert result is not None, path.name
        data, width, height = result
        with Image.open(io.BytesIO(data)) as thumb, Image.open(path) as original:
            assert thumb.format == "JPEG"
            assert thumb.size == (width, height)
            assert width <= THUMB_SIZE[0] and height <= THUMB_SIZE[1]
            assert max(width / THUMB_SIZE[0], height / THUMB_SIZE[1]) > 0.95  # fills the box
            assert abs(width / height - original.width / original.height) < 0.05


def test_unusable_evidence_gives_none(evalset: Path) -> None:
    good = next((evalset / "images").glob("*.jpg")).read_bytes()
    png = io.BytesIO()
    Image.new("RGB", (8, 8)).save(png, format="PNG")
    for bad in [
        b"",
        b"garbage",
        good[: len(good) // 4],
        b"\xff\xd8\xff" + b"\x00" * 100,
        png.getvalue(),
    ]:
        assert make_thumbnail(bad) is None


def test_oversized_images_are_refused_before_decoding() -> None:
    big = io.BytesIO()
    Image.new("L", (8000, 6000)).save(big, format="JPEG", quality=10)
    assert make_thumbnail(big.getvalue()) is None


def test_cache_decodes_each_image_once(evalset: Path) -> None:
    data = next((evalset / "images").glob("*.jpg")).read_bytes()
    cache = ThumbnailCache()
    first = cache.get(data)
    assert first is not None
    assert cache.get(bytes(data)) is first
    assert cache.get(None) is None
    assert cache.get(b"") is None
