"""Decoding and validating images into BGR arrays.

Dimensions are read from the file header before anything is decoded, so a crafted header that
claims a huge image is refused without allocating it. JPEG files must be complete (their entropy
coded data must reach the EOI marker): decoders may otherwise fill the missing part with gray.

Error codes (``FrameError.code``): ``empty``, ``too_many_bytes``, ``not_image``, ``not_jpeg``,
``truncated``, ``corrupt``, ``dimensions_too_large``, ``zero_dimensions``.
"""

from __future__ import annotations

import struct

import cv2
import numpy as np

# Start-of-frame markers carry the dimensions (C4 DHT, C8 JPG and CC DAC do not).
_SOF_MARKERS = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE})
# Markers without a length field.
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# Real files have a few dozen segments before the scan; walking more is a hostile header's cost.
MAX_HEADER_STEPS = 1000


class FrameError(ValueError):
    """An image that cannot be analyzed; ``code`` is short and machine-readable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def image_format(data: bytes) -> str | None:
    """``jpeg``, ``png``, ``webp`` or ``bmp`` from the magic bytes, else None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(_PNG_MAGIC):
        return "png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"BM"):
        return "bmp"
    return None


def _jpeg_info(data: bytes) -> tuple[int, int, bool]:
    """Width, height and whether the file is complete (an EOI marker after the first scan).

    Only the header segments are walked. Inside entropy-coded data a 0xFF byte is always
    followed by 0x00 or a restart marker, so an FF D9 after the start of the scan is the EOI.
    """
    size = len(data)
    pos = 2
    width = height = -1
    for _ in range(MAX_HEADER_STEPS):
        if pos + 2 > size:
            return width, height, False
        if data[pos] != 0xFF:  # stray bytes between segments: decoders skip them too
            pos = data.find(b"\xff", pos)
            if pos < 0:
                break
            continue
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xD9:
            raise FrameError("corrupt", "the JPEG ends before its image data")
        if marker in _STANDALONE:
            pos += 2
            continue
        if pos + 4 > size:
            break
        (length,) = struct.unpack_from(">H", data, pos + 2)
        if length < 2:
            raise FrameError("corrupt", "the JPEG has a malformed segment length")
        if marker in _SOF_MARKERS and pos + 9 <= size:
            height, width = struct.unpack_from(">HH", data, pos + 5)
        if marker == 0xDA:  # start of scan: the header is over
            return width, height, data.rfind(b"\xff\xd9", pos + 2 + length) >= 0
        pos += 2 + length
    else:
        raise FrameError("corrupt", "the JPEG header has too many segments")
    return width, height, False


def _header_size(data: bytes, fmt: str) -> tuple[int, int, bool]:
    """Width, height and completeness from the header alone (no decoding)."""
    if fmt == "jpeg":
        return _jpeg_info(data)
    if fmt == "png":
        if len(data) < 24 or data[12:16] != b"IHDR":
            return -1, -1, False
        width, height = struct.unpack_from(">II", data, 16)
        return width, height, b"IEND" in data[-16:]
    if fmt == "webp":
        return _webp_size(data)
    # BMP: 32-bit signed width and height (negative height means top-down rows).
    if len(data) < 26:
        return -1, -1, False
    width, height = struct.unpack_from("<ii", data, 18)
    return abs(width), abs(height), True


def _webp_size(data: bytes) -> tuple[int, int, bool]:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30:
        w, h = struct.unpack_from("<HH", data, 26)
        return w & 0x3FFF, h & 0x3FFF, True
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, True
    if chunk == b"VP8X" and len(data) >= 30:
        w = int.from_bytes(data[24:27], "little") + 1
        h = int.from_bytes(data[27:30], "little") + 1
        return w, h, True
    return -1, -1, False


def check_header(data: bytes, *, max_bytes: int, max_side: int, require_jpeg: bool = False) -> str:
    """The image format, once size, type, dimensions and completeness are checked from the
    header alone (nothing is decoded); raises FrameError otherwise."""
    if not data:
        raise FrameError("empty", "the image is empty (0 bytes)")
    if len(data) > max_bytes:
        raise FrameError(
            "too_many_bytes", f"the image has {len(data)} bytes; the limit is {max_bytes}"
        )
    fmt = image_format(data)
    if fmt is None:
        raise FrameError("not_image", "the data is not a JPEG, PNG, WebP or BMP image")
    if require_jpeg and fmt != "jpeg":
        raise FrameError("not_jpeg", f"a JPEG image is required; this is {fmt.upper()}")
    width, height, complete = _header_size(data, fmt)
    if width < 0 or height < 0:
        if complete:
            raise FrameError("corrupt", f"the {fmt.upper()} data has no image dimensions")
        raise FrameError("truncated", f"the {fmt.upper()} header is incomplete")
    if width == 0 or height == 0:
        raise FrameError("zero_dimensions", f"the image claims a size of {width}x{height}")
    if max(width, height) > max_side:
        raise FrameError(
            "dimensions_too_large",
            f"the image is {width}x{height}; the limit is {max_side} pixels a side",
        )
    if not complete:
        raise FrameError("truncated", f"the {fmt.upper()} data is truncated or incomplete")
    return fmt


def decode_image(
    data: bytes,
    *,
    max_bytes: int,
    max_side: int,
    require_jpeg: bool = False,
) -> np.ndarray:
    """Decode ``data`` into a BGR ``uint8`` array of shape ``(H, W, 3)``, or raise FrameError."""
    fmt = check_header(data, max_bytes=max_bytes, max_side=max_side, require_jpeg=require_jpeg)
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None or image.size == 0:
        raise FrameError("corrupt", f"the {fmt.upper()} data could not be decoded")
    return image


# libjpeg scales a JPEG down while decoding it (DCT scaling): far cheaper than a full decode.
_REDUCED_FLAGS = ((4, cv2.IMREAD_REDUCED_COLOR_4), (2, cv2.IMREAD_REDUCED_COLOR_2))


def decode_reduced(
    data: bytes,
    *,
    max_bytes: int,
    max_side: int,
    require_jpeg: bool = False,
    min_width: int,
) -> tuple[np.ndarray, tuple[int, int]]:
    """Like ``decode_image``, but a JPEG at least 2 (4) times ``min_width`` wide is decoded at
    half (a quarter) of its size. Returns the image and the file's own (width, height)."""
    fmt = check_header(data, max_bytes=max_bytes, max_side=max_side, require_jpeg=require_jpeg)
    width, height, _ = _header_size(data, fmt)
    flags = cv2.IMREAD_COLOR
    if fmt == "jpeg" and min_width > 0:
        flags = next((f for k, f in _REDUCED_FLAGS if width >= k * min_width), flags)
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), flags)
    if image is None or image.size == 0:
        raise FrameError("corrupt", f"the {fmt.upper()} data could not be decoded")
    if (image.shape[1] > image.shape[0]) != (width > height) and width != height:
        width, height = height, width  # EXIF orientation turned the image
    return image, (width, height)
