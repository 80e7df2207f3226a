"""The project's own phone detector, and the detector that lets it answer for phones.

A YOLOX-Nano trained by the project for phones held up at a webcam (``training/phone``; its
model card is ``src/proctor/vision/weights/PHONE_MODEL.md``) ships in the package. ``WithPhones``
runs it beside the operator's object model: ``cell_phone`` boxes come from the phone model, every
other label from the object model. ``PROCTOR_PHONE_MODEL=none`` leaves phones to the object
model alone.

``MirrorConfirmed`` gives the phone model a second look: its boxes at the threshold stand, and
an unsure one (from ``phone_unsure_score`` up) stands when a pass over the mirrored frame also
finds a phone there. The second pass runs only on frames with an unsure box. On the dev frames
it finds 0.68 of the phones against 0.65, with the same false alarms (docs/EVALUATION.md, "A
second look").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from proctor.vision.detectors.base import ObjectDetector
from proctor.vision.detectors.yolox import YoloxDetector
from proctor.vision.types import Box, Detection

if TYPE_CHECKING:
    from proctor.config import Settings

PHONE = "cell_phone"
PHONE_CLASS = 67  # the model keeps COCO's numbering; only this row was trained
OVERLAP = 0.3  # IoU at which the mirrored pass's box confirms an unsure one


def iou(a: Box, b: Box) -> float:
    iw = min(a[2], b[2]) - max(a[0], b[0])
    ih = min(a[3], b[3]) - max(a[1], b[1])
    inter = max(iw, 0.0) * max(ih, 0.0)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def mirrored(
    detect: Callable[[np.ndarray], list[Detection]],
) -> Callable[[np.ndarray], list[Detection]]:
    """``detect`` run on the left-right mirror of the frame, its boxes mapped back."""

    def run(image: np.ndarray) -> list[Detection]:
        width = image.shape[1]
        flipped = np.ascontiguousarray(image[:, ::-1])
        return [
            Detection(d.label, d.score, (width - d.box[2], d.box[1], width - d.box[0], d.box[3]))
            for d in detect(flipped)
        ]

    return run


class MirrorConfirmed(ObjectDetector):
    """The phone model, its unsure boxes kept only where its pass over the mirrored frame also
    finds a phone (score ``mirror`` or more, IoU ≥ ``OVERLAP``)."""

    def __init__(self, phones: YoloxDetector, *, unsure: float, mirror: float) -> None:
        self.phones = phones
        self.name = phones.name
        self.sure = phones.thresholds[PHONE]
        self.unsure, self.mirror = unsure, mirror
        self.second_looks = 0  # frames the mirrored pass ran on
        self._invoke_ms = 0.0

    @property
    def thresholds(self) -> dict[str, float]:
        return {PHONE: self.sure}

    @thresholds.setter
    def thresholds(self, value: dict[str, float]) -> None:
        self.sure = value.get(PHONE, self.sure)

    def invoke_ms(self) -> float:
        return self._invoke_ms

    def _at(
        self, threshold: float, detect: Callable[[np.ndarray], list[Detection]], image: np.ndarray
    ) -> list[Detection]:
        self.phones.thresholds = {PHONE: threshold}
        found = detect(image)
        self._invoke_ms += self.phones.invoke_ms()
        return found

    def detect(self, image_bgr: np.ndarray) -> list[Detection]:
        self._invoke_ms = 0.0
        found = self._at(min(self.unsure, self.sure), self.phones.detect, image_bgr)
        sure = [d for d in found if d.score >= self.sure]
        unsure = [d for d in found if d.score < self.sure]
        if not unsure:
            return sure
        self.second_looks += 1
        seen = [d.box for d in self._at(self.mirror, mirrored(self.phones.detect), image_bgr)]
        return sure + [d for d in unsure if any(iou(d.box, box) >= OVERLAP for box in seen)]


class WithPhones(ObjectDetector):
    """An object detector whose phones come from a second, phone-only model."""

    def __init__(self, base: ObjectDetector, phones: YoloxDetector | MirrorConfirmed) -> None:
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


def live_phone_detector(settings: Settings) -> YoloxDetector | MirrorConfirmed:
    """The phone model as the product runs it: with its second look unless turned off."""
    phones = phone_detector(settings)
    if not settings.phone_second_look:
        return phones
    return MirrorConfirmed(
        phones, unsure=settings.phone_unsure_score, mirror=settings.phone_mirror_score
    )


def with_phones(base: ObjectDetector, settings: Settings) -> ObjectDetector:
    """``base`` with the phone model answering for phones, unless turned off."""
    if settings.phone_model == "none" or base.name == "none":
        return base
    return WithPhones(base, live_phone_detector(settings))
