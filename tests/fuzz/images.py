"""Hostile JPEGs made from a real photo: truncated, wrongly typed, lying headers, decompression
bombs, unusual encodings (progressive, CMYK, 12-bit, lossless, arithmetic) and EXIF junk.
"""

from __future__ import annotations

import io
import random
import struct

import cv2
import numpy as np
from PIL import Image

from tests.conftest import decode_bgr

SOF_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def sof_offset(jpeg: bytes) -> int:
    """Where the start-of-frame segment's marker is."""
    pos = 2
    while pos + 4 <= len(jpeg):
        marker = jpeg[pos + 1]
        if marker in SOF_MARKERS:
            return pos
        (length,) = struct.unpack_from(">H", jpeg, pos + 2)
        pos += 2 + length
    raise ValueError("no SOF segment")


def patch_sof(
    jpeg: bytes,
    *,
    width: int | None = None,
    height: int | None = None,
    precision: int | None = None,
    marker: int | None = None,
) -> bytes:
    """The same file with its frame header claiming other dimensions, precision or coding."""
    data = bytearray(jpeg)
    pos = sof_offset(jpeg)
    if marker is not None:
        data[pos + 1] = marker
    if precision is not None:
        data[pos + 4] = precision
    if height is not None:
        struct.pack_into(">H", data, pos + 5, height)
    if width is not None:
        struct.pack_into(">H", data, pos + 7, width)
    return bytes(data)


def with_segment(jpeg: bytes, marker: int, payload: bytes) -> bytes:
    """``payload`` as a segment right after SOI (split into several when over 64 kB)."""
    parts = [payload[i : i + 65_000] for i in range(0, len(payload), 65_000)] or [b""]
    segments = b"".join(
        b"\xff" + bytes([marker]) + struct.pack(">H", len(p) + 2) + p for p in parts
    )
    return jpeg[:2] + segments + jpeg[2:]


def exif_junk(seed: int = 7) -> bytes:
    """An EXIF block whose IFD offsets, counts and tags point anywhere."""
    rnd = random.Random(seed)
    ifd = struct.pack("<H", 40) + b"".join(
        struct.pack(
            "<HHII",
            rnd.choice([0x112, 0x8769, 0x8825, rnd.randrange(65536)]),
            rnd.randrange(20),
            rnd.randrange(2**32),
            rnd.randrange(2**32),
        )
        for _ in range(40)
    )
    return b"Exif\x00\x00II*\x00" + struct.pack("<I", 8) + ifd + rnd.randbytes(2000)


def encode(image: np.ndarray, ext: str = ".jpg") -> bytes:
    ok, data = cv2.imencode(ext, image)
    assert ok
    return bytes(data.tobytes())


def pil_jpeg(photo: bytes, **options: object) -> bytes:
    image: Image.Image = Image.open(io.BytesIO(photo))
    mode = options.pop("mode", None)
    if isinstance(mode, str):
        image = image.convert(mode)
    out = io.BytesIO()
    image.save(out, "JPEG", **options)
    return out.getvalue()


def hostile_jpegs(photo: bytes) -> dict[str, bytes]:
    """Named variants of ``photo`` (a real JPEG)."""
    png = encode(decode_bgr(photo), ".png")
    tiny = encode(np.full((64, 64, 3), 100, np.uint8))
    return {
        "truncated_half": photo[: len(photo) // 2],
        "truncated_in_header": photo[:120],
        "soi_only": b"\xff\xd8\xff",
        "soi_eoi": b"\xff\xd8\xff\xd9",
        "png_named_jpeg": png,
        "png_behind_jpeg_magic": b"\xff\xd8\xff" + png,
        "random_after_magic": b"\xff\xd8\xff" + random.Random(1).randbytes(5000),
        "huge_dimensions": patch_sof(tiny, width=65_000, height=65_000),
        "zero_dimensions": patch_sof(tiny, width=0, height=48),
        "bomb_within_limits": encode(np.full((4000, 4000, 3), 120, np.uint8)),
        "bomb_over_limits": patch_sof(encode(np.full((512, 512, 3), 7, np.uint8)), width=30_000),
        "progressive": pil_jpeg(photo, progressive=True),
        "cmyk": pil_jpeg(photo, mode="CMYK"),
        "grayscale": pil_jpeg(photo, mode="L"),
        "twelve_bit_claim": patch_sof(photo, precision=12),
        "lossless_claim": patch_sof(photo, marker=0xC3),
        "arithmetic_claim": patch_sof(photo, marker=0xC9),
        "exif_junk": with_segment(photo, 0xE1, exif_junk()),
        "many_app_segments": with_segment(photo, 0xED, random.Random(2).randbytes(300_000)),
        "bad_segment_length": photo[:2] + b"\xff\xe0\x00\x01" + photo[2:],
        # Half a million empty comments: cheap to send, costly to walk one by one.
        "segment_flood": photo[:2] + b"\xff\xfe\x00\x02" * 400_000 + photo[2:],
        "fill_byte_flood": photo[:2] + b"\xff" * 1_500_000 + photo[2:],
        "comment_with_nuls": with_segment(photo, 0xFE, b"\x00" * 1000 + b"<script>"),
    }
