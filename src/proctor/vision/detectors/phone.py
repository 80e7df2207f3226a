"""The project's own phone detector, and the detector that lets it answer for phones.

A YOLOX-Nano trained by the project for phones held up at a webcam (``training/phone``; its
model card is ``src/proctor/vision/weights/PHONE_MODEL.md``) ships in the package. ``WithPhones``
runs it beside the operator's object model: ``cell_phone`` boxes come from the phone model, every
other label from the object model. ``PROCTOR_PHONE_MODEL=none`` leaves phones to the object
model alone.

``SecondLook`` gives the phone model a second look: its boxes at the threshold stand, and an
unsure one stands where a second opinion also finds a phone: CenterNet, which runs on every
object frame anyway (from ``phone_object_unsure_score`` up), or the phone model's pass over the
mirrored frame (from ``phone_unsure_score`` up; run only when needed). On the dev frames it finds
0.79 of the phones against 0.65 for the one pass, with no more false alarms on the phone-free
images and clips than the one pass has but one clip frame (docs/EVALUATION.md, "A second look").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
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
OVERLAP = 0.3  # IoU at which a second opinion's box confirms an unsure one
OBJECT_MODEL, MIRROR = "object model", "mirrored pass"  # Detection.confirmed_by


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


class SecondLook(ObjectDetector):
    """The phone model with a second look at its unsure boxes. A box at ``sure`` stands; one
    below it stands where a second opinion also finds a phone (IoU ≥ ``OVERLAP``):

    - from ``unsure`` up, the phone model's own pass over the mirrored frame (score ``mirror``);
    - from ``object_unsure`` up, the object model's phones (score ``object_score``), which
      ``WithPhones`` hands over: that model runs on every object frame anyway.

    The mirrored pass runs only for unsure boxes the object model left unconfirmed. The model
    itself runs at the lowest of the scores and the boxes are sorted here: NMS keeps a box or not
    by the boxes that score higher, so the boxes above any score are the same as a run at that
    score would give."""

    def __init__(
        self,
        phones: YoloxDetector,
        *,
        unsure: float,
        mirror: float,
        object_unsure: float = 1.0,
        object_score: float = 1.0,
    ) -> None:
        self.phones = phones
        self.name = phones.name
        self.unsure, self.mirror = unsure, mirror
        self.object_unsure, self.object_score = object_unsure, object_score
        self.thresholds = phones.thresholds
        self.second_looks = 0  # frames the mirrored pass ran on
        self._invoke_ms = 0.0

    @property
    def thresholds(self) -> dict[str, float]:
        return {PHONE: self.sure}

    @thresholds.setter
    def thresholds(self, value: dict[str, float]) -> None:
        self.sure = value[PHONE]
        lowest = min(self.sure, self.unsure, self.mirror, self.object_unsure)
        self.phones.thresholds = {PHONE: lowest}

    def invoke_ms(self) -> float:
        return self._invoke_ms

    def detect(self, image_bgr: np.ndarray, objects: Sequence[Detection] = ()) -> list[Detection]:
        """Phones in the frame; ``objects``, the object model's detections of the same frame.
        A box a second opinion let stand says which (``Detection.confirmed_by``)."""
        found = self.phones.detect(image_bgr)
        self._invoke_ms = self.phones.invoke_ms()
        sure = [d for d in found if d.score >= self.sure]
        seen = [d.box for d in objects if d.label == PHONE and d.score >= self.object_score]
        low = [d for d in found if self.object_unsure <= d.score < self.sure]
        by_objects = dict(zip(low, confirmed_by([d.box for d in low], seen), strict=True))
        kept = [replace(d, confirmed_by=OBJECT_MODEL) for d, ok in by_objects.items() if ok]
        unsure = [d for d in found if self.unsure <= d.score < self.sure and not by_objects.get(d)]
        if not unsure:
            return sure + kept
        self.second_looks += 1
        mirror = [d.box for d in mirrored(self.phones.detect)(image_bgr) if d.score >= self.mirror]
        self._invoke_ms += self.phones.invoke_ms()
        by_mirror = confirmed_by([d.box for d in unsure], mirror)
        kept += [
            replace(d, confirmed_by=MIRROR) for d, ok in zip(unsure, by_mirror, strict=True) if ok
        ]
        return sure + kept


class WithPhones(ObjectDetector):
    """An object detector whose phones come from a second, phone-only model. With a
    ``SecondLook`` and ``confirm``, the object model reports its own phones from the second
    look's ``object_score``, and they go to the second look instead of the result."""

    def __init__(
        self, base: ObjectDetector, phones: YoloxDetector | SecondLook, confirm: bool = False
    ) -> None:
        self.base = base
        self.phones = phones
        self.name = f"{base.name}+phone"
        self.look = phones if confirm and isinstance(phones, SecondLook) else None
        if self.look is not None and hasattr(base, "thresholds"):
            base.thresholds = {**base.thresholds, PHONE: self.look.object_score}
        self._invoke_ms = 0.0

    @property
    def thresholds(self) -> dict[str, float]:
        merged: dict[str, float] = dict(getattr(self.base, "thresholds", {}))
        merged[PHONE] = self.phones.thresholds[PHONE]
        return merged

    @thresholds.setter
    def thresholds(self, value: dict[str, float]) -> None:
        # The evaluation sweeps thresholds by assigning them: route each label to its model
        # (the object model keeps the score its phones confirm from).
        if hasattr(self.base, "thresholds"):
            kept = {k: v for k, v in value.items() if k != PHONE}
            if PHONE in self.base.thresholds and self.look is not None:
                kept[PHONE] = self.look.object_score
            self.base.thresholds = kept
        if PHONE in value:
            self.phones.thresholds = {PHONE: value[PHONE]}

    def invoke_ms(self) -> float:
        return self._invoke_ms

    def detect(self, image_bgr: np.ndarray) -> list[Detection]:
        found = self.base.detect(image_bgr)
        others = [d for d in found if d.label != PHONE]
        if self.look is not None:
            phones = self.look.detect(image_bgr, found)
        else:
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
) -> YoloxDetector | SecondLook:
    """The phone model as the product runs it: with its second look unless turned off."""
    phones = phone_detector(settings, model)
    if not settings.phone_second_look:
        return phones
    return SecondLook(
        phones,
        unsure=settings.phone_unsure_score,
        mirror=settings.phone_mirror_score,
        object_unsure=settings.phone_object_unsure_score,
        object_score=settings.phone_object_score,
    )


def with_phones(
    base: ObjectDetector, settings: Settings, model: Path | None = None
) -> ObjectDetector:
    """``base`` with the phone model (``model``: a candidate in its place) answering for phones,
    unless turned off. CenterNet's phones confirm unsure ones: the scores were measured with it,
    and another model's phone scores mean something else."""
    if settings.phone_model == "none" or base.name == "none":
        return base
    return WithPhones(base, live_phone_detector(settings, model), base.name == "centernet")
