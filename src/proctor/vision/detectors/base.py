"""The object-detector interface and its registry.

An object detector takes a BGR image and returns boxes whose labels are product labels
(``cell_phone``, ``book``, ``laptop``, ``monitor``) or ``person``. New model families register
a factory under a name; the operator picks one with ``PROCTOR_OBJECT_MODEL``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from proctor.vision.types import Detection

if TYPE_CHECKING:
    from pathlib import Path

    from proctor.config import Settings


class ModelMissingError(RuntimeError):
    """A model file is not installed; the message names the command that installs it."""


class ObjectDetector(ABC):
    """Finds people and the product's object labels in one image."""

    name: str = "base"

    @abstractmethod
    def detect(self, image_bgr: np.ndarray) -> list[Detection]:
        """Boxes in ``image_bgr`` pixel coordinates, after thresholds and NMS."""

    def invoke_ms(self) -> float:
        """Time of the last bare model invocation, for measuring pipeline overhead."""
        return 0.0


DetectorFactory = Callable[["Settings"], ObjectDetector]
_REGISTRY: dict[str, DetectorFactory] = {}


def register(name: str) -> Callable[[DetectorFactory], DetectorFactory]:
    """Decorator: make a detector factory available under ``name``."""

    def wrap(factory: DetectorFactory) -> DetectorFactory:
        if name in _REGISTRY:
            raise ValueError(f"object detector {name!r} is registered twice")
        _REGISTRY[name] = factory
        return factory

    return wrap


def available() -> list[str]:
    _load_builtin()
    return sorted(_REGISTRY)


def create(settings: Settings, phone_model: Path | None = None) -> ObjectDetector:
    """Build the detector the settings name, or say which names exist; ``phone_model``, a
    candidate phone model in place of the bundled one (training, evaluation)."""
    _load_builtin()
    try:
        factory = _REGISTRY[settings.object_model]
    except KeyError:
        raise ValueError(
            f"unknown object model {settings.object_model!r}; known: {', '.join(available())}"
        ) from None
    from proctor.vision.detectors.phone import with_phones

    return with_phones(factory(settings), settings, phone_model)


def _load_builtin() -> None:
    # Importing the modules runs their @register decorators.
    from proctor.vision.detectors import objects  # noqa: F401
