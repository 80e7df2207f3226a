"""The project's own phone detector, and the detector that lets it answer for phones.

A YOLOX-Nano trained by the project for phones held up at a webcam (``training/phone``; its
model card is ``src/proctor/vision/weights/PHONE_MODEL.md``) ships in the package. ``WithPhones``
runs it beside the operator's object model: ``cell_phone`` boxes come from the phone model, every
other label from the object model. ``PROCTOR_PHONE_MODEL=none`` leaves phones to the object
model alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from proctor.vision.detectors.base import ObjectDetector
from proctor.vision.detectors.yolox import YoloxDetector
from proctor.vision.types import Detection

if TYPE_CHECKING:
    from proctor.config import Settings

PHONE = "cell_phone"
PHONE_CLASS = 67  # the model keeps COCO's numbering; only this row was trained


class WithPhones(ObjectDetector):
    """An object detector whose phones come from a second, phone-only model."""

    def __init__(self, base: ObjectDetector, phones: YoloxDetector) -> None:
        self.base = base
        self.phones = phones
        self.name = f"{base.name}+phone"
        self._invoke_ms = 0.0

    @property
    def thresholds(self) -> dict[str, float]:
        merged: dict[str, float] = dict(getattr(self.base, "thresholds", {}))
        merged[PHONE] = self.phones.thresholds[PHONE]
        return merged

    @thresholds.setter
    def thresholds(self, value: dict[str, float]) -> None:
        # The evaluation sweeps thresholds by assigning them: route each label to its model.
        if hasattr(self.base, "thresholds"):
            self.base.thresholds = {k: v for k, v in value.items() if k != PHONE}
        if PHONE in value:
            self.phones.thresholds = {PHONE: value[PHONE]}

    def invoke_ms(self) -> float:
        return self._invoke_ms

    def detect(self, image_bgr: np.ndarray) -> list[Detection]:
        others = [d for d in self.base.detect(image_bgr) if d.label != PHONE]
        phones = self.phones.detect(image_bgr)
        self._invoke_ms = self.base.invoke_ms() + self.phones.invoke_ms()
        return others + phones


def phone_detector(settings: Settings) -> YoloxDetector:
    """The bundled phone model, checked by SHA-256, at the configured threshold."""
    from proctor.vision.models import bundled_model_path

    threshold = settings.object_thresholds.get(PHONE, settings.phone_threshold)
    return YoloxDetector(
        bundled_model_path("phone"),
        labels={PHONE_CLASS: PHONE},
        threads=settings.vision_threads,
        thresholds={PHONE: threshold},
        nms_iou=settings.object_nms_iou,
    )


def with_phones(base: ObjectDetector, settings: Settings) -> ObjectDetector:
    """``base`` with the phone model answering for phones, unless turned off."""
    if settings.phone_model == "none" or base.name == "none":
        return base
    return WithPhones(base, phone_detector(settings))
