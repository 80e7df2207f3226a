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

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from proctor.vision.detectors.base import ObjectDetector
from proctor.vision.detectors.common import iou_matrix
from proctor.vision.detectors.yolox import YoloxDetector
from proctor.vision.types import Box, Detection

if TYPE_CHECKING:
    from pathlib import Path

    from proctor.config import Settings

PHONE = "cell_phone"
PHONE_CLASS = 67  # the model keeps COCO's numbering; only this row was trained
OVERLAP = 0.3  # IoU at which the mirrored pass's box confirms an unsure one


def confirmed_by(boxes: Sequence[Box], others: Sequence[Box]) -> np.ndarray:
    """For each of ``boxes``, whether one of ``others`` overlaps it (IoU ≥ ``OVERLAP``)."""
    if not boxes or not others:
        return np.zeros(len(boxes), dtype=bool)
    overlaps = iou_matrix(np.asarray(boxes), np.asarray(others)) >= OVERLAP
    confirmed: np.ndarray = np.any(overlaps, axis=1)
    return confirmed


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
    finds a phone (score ``mirror`` or more, IoU ≥ ``OVERLAP``).

    The model itself runs at the lowest of the three scores and the boxes are sorted here: NMS
    keeps a box or not by the boxes that score higher, so the boxes above any score are the same
    as a run at that score would give."""

    def __init__(self, phones: YoloxDetector, *, unsure: float, mirror: float) -> None:
        self.phones = phones
        self.name = phones.name
        self.unsure, self.mirror = unsure, mirror
        self.thresholds = phones.thresholds
        self.second_looks = 0  # frames the mirrored pass ran on
        self._invoke_ms = 0.0

    @property
    def thresholds(self) -> dict[str, float]:
        return {PHONE: self.sure}

    @thresholds.setter
    def thresholds(self, value: dict[str, float]) -> None:
        self.sure = value[PHONE]
        self.phones.thresholds = {PHONE: min(self.sure, self.unsure, self.mirror)}

    def invoke_ms(self) -> float:
        return self._invoke_ms

    def detect(self, image_bgr: np.ndarray) -> list[Detection]:
        found = self.phones.detect(image_bgr)
        self._invoke_ms = self.phones.invoke_ms()
        sure = [d for d in found if d.score >= self.sure]
        unsure = [d for d in found if self.unsure <= d.score < self.sure]
        if not unsure:
            return sure
        self.second_looks += 1
        seen = [d.box for d in mirrored(self.phones.detect)(image_bgr) if d.score >= self.mirror]
        self._invoke_ms += self.phones.invoke_ms()
        kept = confirmed_by([d.box for d in unsure], seen)
        return sure + [d for d, keep in zip(unsure, kept, strict=True) if keep]


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


def phone_detector(settings: Settings, model: Path | None = None) -> YoloxDetector:
    """The bundled phone model, checked by SHA-256, at the configured threshold; ``model``, a
    candidate of the same shape (training, evaluation), in its place."""
    from proctor.vision.models import bundled_model_path

    threshold = settings.object_thresholds.get(PHONE, settings.phone_threshold)
    return YoloxDetector(
        model or bundled_model_path("phone"),
        labels={PHONE_CLASS: PHONE},
        threads=settings.vision_threads,
        thresholds={PHONE: threshold},
        nms_iou=settings.object_nms_iou,
    )


def live_phone_detector(
    settings: Settings, model: Path | None = None
) -> YoloxDetector | MirrorConfirmed:
    """The phone model as the product runs it: with its second look unless turned off."""
    phones = phone_detector(settings, model)
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
