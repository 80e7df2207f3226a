"""The built-in object detectors; importing this module registers all of them.

- ``centernet`` (default): CenterNet-MobileNetV3 converted from Human's npm package.
- ``onnx-yolox``: any YOLOX-family ONNX file (``PROCTOR_OBJECT_MODEL_PATH``), with an optional
  label map (``PROCTOR_OBJECT_MODEL_LABELS``).
- ``none``: finds nothing, for face-only deployments.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from proctor.vision.detectors import centernet, yolox
from proctor.vision.detectors.base import ObjectDetector, register
from proctor.vision.types import Detection

if TYPE_CHECKING:
    from proctor.config import Settings

__all__ = ["NoObjectDetector", "centernet", "yolox"]


class NoObjectDetector(ObjectDetector):
    """Reports nothing: object detection is turned off."""

    name = "none"

    def detect(self, image_bgr: np.ndarray) -> list[Detection]:
        return []


@register("none")
def _create_none(settings: Settings) -> ObjectDetector:
    return NoObjectDetector()
