"""Evidence thumbnails: small JPEGs made from stored evidence, or None when it is unusable."""

from __future__ import annotations

import hashlib
import io
import warnings

from PIL import Image

THUMB_SIZE = (160, 120)  # pixels: about 200 dpi in the 20 mm the table gives it
_MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding


class ThumbnailCache:
    """Thumbnails of one report; the same evidence bytes are decoded once."""

    def __init__(self) -> None:
        self._done: dict[bytes, tuple[bytes, int, int] | None] = {}

    def get(self, data: bytes | None) -> tuple[bytes, int, int] | None:
        """``(jpeg, width, height)`` of the thumbnail, or None for missing or corrupt data."""
        if not data:
            return None
        key = hashlib.sha1(data, usedforsecurity=False).digest()
        if key not in self._done:
            self._done[key] = make_thumbnail(data)
        return self._done[key]


def make_thumbnail(data: bytes) -> tuple[bytes, int, int] | None:
    """Decode (at reduced scale, which JPEG allows cheaply) and re-encode small."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format != "JPEG" or image.width * image.height > _MAX_PIXELS:
                    return None
                image.draft("RGB", THUMB_SIZE)
                image.load()
                rgb = image.convert("RGB")
        rgb.thumbnail(THUMB_SIZE)
        out = io.BytesIO()
        rgb.save(out, format="JPEG", quality=75, optimize=True)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Warning):
        return None
    return out.getvalue(), rgb.width, rgb.height
