"""One image against a reference: the cosine similarity of their primary faces' descriptors,
and whether it reaches the model's threshold.

``score`` and ``same_person`` are ``None`` when either image has no usable face (none, or too
small: ``faces.MIN_FACE_PX``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from proctor.identity.embedders import DlibEmbedder, Embedder, cosine
from proctor.identity.faces import DetectorName, FaceFinder

ModelName = Literal["dlib", "faceres"]
DEFAULT_MODEL: ModelName = "dlib"
# Cosine similarity at or above which two faces are the same person, per model, chosen on the
# dev set (docs/EVALUATION.md, "Identity"). dlib: between the false-accept rates 0.5% (0.913)
# and 0.1% (0.93), below every same-person pair (the lowest at 0.930). faceres: at 0.5%.
THRESHOLDS: dict[str, float] = {"dlib": 0.92, "faceres": 0.61}


class UnreadableImageError(ValueError):
    """A file that is missing or does not decode as an image."""


def read_image(path: str) -> np.ndarray:
    """The image at ``path`` as BGR; ``UnreadableImageError`` names the file and the reason."""
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as exc:
        raise UnreadableImageError(f"{path}: cannot read the file ({exc.strerror})") from exc
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if image is None:
        raise UnreadableImageError(f"{path}: not an image OpenCV can decode")
    return image


def build_embedder(model: ModelName) -> Embedder:
    if model == "dlib":
        return DlibEmbedder()
    if model == "faceres":
        from proctor.identity.faceres import FaceresEmbedder

        return FaceresEmbedder()
    raise ValueError(f"unknown identity model {model!r}")


@dataclass(frozen=True, slots=True)
class Match:
    score: float | None
    same_person: bool | None


class Verifier:
    """Embeds primary faces and compares them at the model's threshold."""

    def __init__(
        self,
        model: ModelName = DEFAULT_MODEL,
        *,
        detector: DetectorName = "blazeface",
        threshold: float | None = None,
    ) -> None:
        self.model = model
        self.finder = FaceFinder(detector)
        self.embedder = build_embedder(model)
        self.threshold = THRESHOLDS[model] if threshold is None else threshold

    def embedding(self, image_bgr: np.ndarray) -> np.ndarray | None:
        """The primary face's descriptor, or ``None`` without a usable face."""
        face = self.finder.primary(image_bgr)
        return None if face is None else self.embedder.embed(image_bgr, face)

    def match(self, reference: np.ndarray | None, probe: np.ndarray | None) -> Match:
        """Two descriptors (``None``: no usable face) compared at the threshold."""
        if reference is None or probe is None:
            return Match(None, None)
        score = cosine(reference, probe)
        return Match(score, score >= self.threshold)
