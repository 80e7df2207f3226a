"""Decoding and validating images: good files decode, bad ones raise FrameError with a code."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from proctor.vision.frames import FrameError, decode_image, image_format
from tests.conftest import read_bgr

ReadImage = Callable[[str], bytes]

LIMITS = {"max_bytes": 10 * 1024 * 1024, "max_side": 4096}
SAMPLE = "single_grace_hopper.jpg"


def _code(data: bytes, **kwargs: object) -> str:
    with pytest.raises(FrameError) as info:
        decode_image(data, **{**LIMITS, **kwargs})  # type: ignore[arg-type]
    assert str(info.value)  # every error has a readable message
    return info.value.code


def _with_jpeg_size(data: bytes, width: int, height: int) -> bytes:
    """The same JPEG with the dimensions in its start-of-frame header replaced."""
    pos = 2
    while data[pos + 1] not in (0xC0, 0xC1, 0xC2):
        pos += 2 + struct.unpack_from(">H", data, pos + 2)[0]
    patched = bytearray(data)
    struct.pack_into(">HH", patched, pos + 5, height, width)
    return bytes(patched)


def _png(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` (the pixel data is irrelevant)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def test_evaluation_images_decode_like_opencv(evalset: Path, evalset_image: ReadImage) -> None:
    for path in sorted((evalset / "images").glob("*.jpg"))[:10]:
        image = decode_image(path.read_bytes(), **LIMITS)  # type: ignore[arg-type]
        expected = read_bgr(path)
        assert image.dtype == np.uint8
        assert image.shape == expected.shape
        assert np.array_equal(image, expected)


def test_empty_and_oversized_bytes(evalset_image: ReadImage) -> None:
    data = evalset_image(SAMPLE)
    assert _code(b"") == "empty"
    assert _code(data, max_bytes=len(data) - 1) == "too_many_bytes"
    assert decode_image(data, max_bytes=len(data), max_side=4096).ndim == 3


def test_random_bytes_are_not_an_image() -> None:
    data = np.random.default_rng(7).integers(0, 256, 5000, dtype=np.uint8).tobytes()
    assert image_format(data) is None
    assert _code(data) == "not_image"
    assert _code(b"hello, world") == "not_image"


def test_png_bytes_where_a_jpeg_is_required(evalset_image: ReadImage) -> None:
    image = decode_image(evalset_image(SAMPLE), **LIMITS)  # type: ignore[arg-type]
    png = cv2.imencode(".png", image)[1].tobytes()
    assert _code(png, require_jpeg=True) == "not_jpeg"
    assert np.array_equal(decode_image(png, **LIMITS), image)  # type: ignore[arg-type]


@pytest.mark.parametrize("keep", [0.5, 0.9, -2])
def test_truncated_jpeg(evalset_image: ReadImage, keep: float) -> None:
    data = evalset_image(SAMPLE)
    cut = int(len(data) * keep) if keep > 0 else len(data) + int(keep)
    assert _code(data[:cut]) == "truncated"


def test_truncated_header() -> None:
    assert _code(b"\xff\xd8\xff\xe0\x00\x10JFIF") == "truncated"


def test_huge_dimensions_are_refused_from_the_header(evalset_image: ReadImage) -> None:
    data = _with_jpeg_size(evalset_image(SAMPLE), 20000, 20000)
    assert _code(data) == "dimensions_too_large"
    assert _code(_png(20000, 20000)) == "dimensions_too_large"
    assert _code(evalset_image(SAMPLE), max_side=500) == "dimensions_too_large"


def test_zero_dimensions(evalset_image: ReadImage) -> None:
    assert _code(_with_jpeg_size(evalset_image(SAMPLE), 512, 0)) == "zero_dimensions"
    assert _code(_png(0, 10)) == "zero_dimensions"


def test_corrupt_data_behind_a_valid_header() -> None:
    assert _code(_png(16, 16)) == "corrupt"  # no pixel data at all
    assert _code(b"\xff\xd8\xff\xfe\x00\x04ab\xff\xd9") == "corrupt"  # ends before any image


def test_frame_error_is_a_value_error() -> None:
    assert issubclass(FrameError, ValueError)
    assert FrameError("empty", "x").code == "empty"
