"""Identity work done in the analysis pool's worker processes, where the models stay loaded.

``enrol`` judges an enrolment or reference photo; ``live_check`` compares the face the vision
pipeline already found in a live frame (its box is reused: no second detector runs) with the
photo's descriptors. Results are plain values that pickle across the process boundary.

A live check screens with Human's faceres (about 20 ms a face here) and lets dlib's descriptor
(the product's model, about 210 ms) decide only when faceres does not accept the face: dlib on
every check would cost half as much again as the candidate's frames (docs/PERFORMANCE.md,
"Identity checks"), the screen brings it under a tenth, and every mismatch is still dlib's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from proctor.identity.embedders import DlibEmbedder, cosine
from proctor.identity.enrol import assess
from proctor.identity.faces import BLAZEFACE_BOX_SCALE, MIN_FACE_PX, Face, FaceFinder, scaled
from proctor.identity.verify import THRESHOLDS
from proctor.vision.frames import decode_image

MODEL = "dlib"  # the product's descriptor (docs/EVALUATION.md, "Identity")
SCREEN = "faceres"  # the cheap first look of a live check

_finder: FaceFinder | None = None
_embedder: DlibEmbedder | None = None
_screen: Any = None
_spoof: Any = None


def _models() -> tuple[FaceFinder, DlibEmbedder]:
    """Loaded at a worker's first identity job: sessions without identity pay nothing."""
    global _finder, _embedder
    if _finder is None or _embedder is None:
        _finder, _embedder = FaceFinder(), DlibEmbedder()
    return _finder, _embedder


def _screen_model() -> Any:
    global _screen
    if _screen is None:
        from proctor.identity.faceres import FaceresEmbedder

        _screen = FaceresEmbedder()
    return _screen


@dataclass(frozen=True, slots=True)
class EnrolResult:
    problem: str | None
    message: str
    faces: int
    box: list[float] | None
    width: int
    height: int
    embedding: bytes | None  # float32; stays on the server
    screen_embedding: bytes | None  # faceres's, for the live checks' first look
    spoof: dict[str, float]


def enrol(data: bytes, *, max_bytes: int, max_side: int, spoof: bool = True) -> EnrolResult:
    """Judge a photo (``FrameError`` for data that is not an image)."""
    image = decode_image(data, max_bytes=max_bytes, max_side=max_side)
    finder, embedder = _models()
    verdict = assess(image, finder, embedder)
    box = [round(v, 1) for v in verdict.face.box] if verdict.face is not None else None
    emb = verdict.embedding
    advice: dict[str, float] = {}
    screen = None
    if verdict.problem is None and verdict.face is not None:
        screen = _screen_model().embed(image, verdict.face).astype(np.float32).tobytes()
        if spoof:
            advice = spoof_scores(image, verdict.face)
    return EnrolResult(
        verdict.problem,
        verdict.message,
        verdict.faces,
        box,
        image.shape[1],
        image.shape[0],
        None if emb is None else emb.astype(np.float32).tobytes(),
        screen,
        advice,
    )


def spoof_scores(image_bgr: np.ndarray, face: Face) -> dict[str, float]:
    """The presentation-attack models' scores, or none when they are not installed."""
    global _spoof
    try:
        from proctor.identity.spoof import SpoofModels
    except ImportError:
        return {}
    if _spoof is None:
        _spoof = SpoofModels.load()
    return _spoof.scores(image_bgr, face) if _spoof is not None else {}


def live_check(
    data: bytes,
    box: tuple[float, float, float, float],
    reference: bytes,
    screen_reference: bytes | None,
    *,
    max_bytes: int,
    max_side: int,
) -> tuple[str, float] | None:
    """(model, similarity) of the face at ``box`` (the vision pipeline's BlazeFace box, in the
    frame's pixels) to the photo's descriptors: faceres's when it accepts, else dlib's. None
    when the face is too small to recognise."""
    face = Face(scaled(box, BLAZEFACE_BOX_SCALE))
    if face.size < MIN_FACE_PX:
        return None
    image = decode_image(data, max_bytes=max_bytes, max_side=max_side, require_jpeg=True)
    if screen_reference is not None:
        ref = np.frombuffer(screen_reference, dtype=np.float32)
        score = cosine(_screen_model().embed(image, face), ref)
        if score >= THRESHOLDS[SCREEN]:
            return SCREEN, score
    _, embedder = _models()
    return MODEL, cosine(embedder.embed(image, face), np.frombuffer(reference, dtype=np.float32))
