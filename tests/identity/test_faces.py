"""The primary face of large photos: BlazeFace sees a 192x192 copy, so a face of a few percent
of a large photo is found in tiles, and a small one is located again in a crop around it."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from proctor.identity.faces import MIN_FACE_PX, TILE_PX, FaceFinder
from proctor.identity.verify import Verifier
from tests.conftest import read_bgr, with_models


def on_canvas(image: np.ndarray, width: int) -> np.ndarray:
    """``image`` at its own size near the top-left of a grey 4:3 canvas ``width`` wide."""
    canvas = np.full((width * 3 // 4, width, 3), 120, np.uint8)
    h, w = image.shape[:2]
    canvas[100 : 100 + h, 200 : 200 + w] = image
    return canvas


@pytest.mark.models
@pytest.mark.parametrize("width", [2000, 4000])
def test_small_face_in_a_large_photo_is_found_and_recognised(evalset: Path, width: int) -> None:
    photo = read_bgr(evalset / "images" / "single_obama_pressroom.jpg")
    verifier = with_models(Verifier)
    large = on_canvas(photo, width)
    face = verifier.finder.primary(large)
    assert face is not None and face.size >= MIN_FACE_PX
    # The face lies where it was pasted (BlazeFace's box moves by up to a tenth of a face
    # with the crop it sees).
    own = verifier.finder.primary(photo)
    assert own is not None
    shift = (face.box[0] + face.box[2]) / 2 - 200 - (own.box[0] + own.box[2]) / 2
    assert abs(shift) < 0.15 * own.size
    match = verifier.match(verifier.embedding(photo), verifier.embedding(large))
    assert match.same_person is True


@pytest.mark.models
def test_a_large_photo_without_a_face_has_none(evalset: Path) -> None:
    empty = read_bgr(evalset / "images" / "noface_livingroom.jpg")
    large = cv2.resize(empty, (3000, round(3000 * empty.shape[0] / empty.shape[1])))
    assert max(large.shape[:2]) > TILE_PX
    assert with_models(FaceFinder).primary(large) is None
