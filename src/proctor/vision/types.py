"""Plain data types that flow out of the vision pipeline."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

# Object labels the product reports (COCO tv is reported as ``monitor``).
OBJECT_LABELS: tuple[str, ...] = ("cell_phone", "book", "laptop", "monitor")

Box = tuple[float, float, float, float]  # x1, y1, x2, y2 in image pixels


@dataclass(frozen=True, slots=True)
class Detection:
    """One object box from an object detector. ``label`` is a product label or ``person``;
    ``confirmed_by`` names the second opinion that let a box under the threshold stand."""

    label: str
    score: float
    box: Box
    confirmed_by: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "label": self.label,
            "score": round(self.score, 3),
            "box": [round(v, 1) for v in self.box],
        }
        if self.confirmed_by is not None:
            out["confirmed_by"] = self.confirmed_by
        return out


@dataclass(frozen=True, slots=True)
class HeadPose:
    """Degrees. Yaw > 0: the face turns to the image's right; pitch > 0: up; roll: tilt."""

    yaw: float
    pitch: float
    roll: float

    def to_json(self) -> dict[str, float]:
        return {
            "yaw": round(self.yaw, 1),
            "pitch": round(self.pitch, 1),
            "roll": round(self.roll, 1),
        }


# Converting gaze to degrees: an average adult eye is about 30 mm from corner to corner, and the
# iris centre sits about 12 mm in front of the eye's centre of rotation, so the iris moves
# 12 mm * sin(angle) across the image of the eye when the eye turns by ``angle``.
EYE_WIDTH_MM = 30.0
IRIS_RADIUS_MM = 12.0


def _degrees(offset_mm: float) -> float:
    return math.degrees(math.asin(min(max(offset_mm / IRIS_RADIUS_MM, -1.0), 1.0)))


def gaze_degrees(horizontal: float, vertical: float) -> tuple[float, float]:
    """The eye's rotation in the head (degrees; right and up are positive) for ``Gaze`` values.

    Horizontal is in half eye widths and vertical in quarter eye widths (``gaze.py``).
    """
    return (
        _degrees(horizontal * EYE_WIDTH_MM / 2.0),
        _degrees(vertical * EYE_WIDTH_MM / 4.0),
    )


@dataclass(frozen=True, slots=True)
class Gaze:
    """Iris offset from the eye centre, -1..1. Horizontal > 0: image right; vertical > 0: up.

    ``horizontal_deg`` and ``vertical_deg`` estimate the same as the eye's rotation in degrees
    (an average eye's size, see ``gaze_degrees``): the unit the looking-away thresholds use.
    """

    horizontal: float
    vertical: float

    @property
    def degrees(self) -> tuple[float, float]:
        return gaze_degrees(self.horizontal, self.vertical)

    def to_json(self) -> dict[str, float]:
        horizontal_deg, vertical_deg = self.degrees
        return {
            "horizontal": round(self.horizontal, 2),
            "vertical": round(self.vertical, 2),
            "horizontal_deg": round(horizontal_deg, 1),
            "vertical_deg": round(vertical_deg, 1),
        }


@dataclass(frozen=True, slots=True)
class Face:
    """One detected face, with pose and gaze when the landmark models ran on it."""

    box: Box
    score: float
    head_pose: HeadPose | None = None
    gaze: Gaze | None = None


@dataclass(slots=True)
class Observation:
    """What one frame shows. ``objects_ran`` says whether the object detector ran on it."""

    width: int
    height: int
    faces: list[Face] = field(default_factory=list)
    looking_away: bool | None = None
    # Why the primary face looks away (``attention.AWAY_REASONS``), None when it does not
    away_reason: str | None = None
    # The primary face's gaze off the neutral one, in degrees (horizontal, vertical), with the
    # head's turn allowed for; ``calibrated`` says whether that neutral was the candidate's own
    gaze_offset_deg: tuple[float, float] | None = None
    calibrated: bool = False
    persons: int = 0
    objects: list[Detection] = field(default_factory=list)
    objects_ran: bool = False
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def face_count(self) -> int:
        return len(self.faces)

    @property
    def primary_face(self) -> Face | None:
        """The largest face: the candidate's, by the usual webcam framing."""
        if not self.faces:
            return None
        return max(self.faces, key=lambda f: (f.box[2] - f.box[0]) * (f.box[3] - f.box[1]))

    def to_json(self) -> dict[str, Any]:
        """The contract's per-frame JSON fields (without source, frame and t)."""
        face = self.primary_face
        gaze: dict[str, Any] | None = face.gaze.to_json() if face and face.gaze else None
        if gaze is not None and self.gaze_offset_deg is not None:
            h, v = self.gaze_offset_deg
            gaze["from_neutral_deg"] = {"horizontal": round(h, 1), "vertical": round(v, 1)}
        return {
            "faces": self.face_count,
            "looking_away": self.looking_away if face is not None else None,
            "away_reason": self.away_reason if face is not None else None,
            "calibrated": self.calibrated,
            "head_pose": face.head_pose.to_json() if face and face.head_pose else None,
            "gaze": gaze,
            "persons": self.persons,
            "objects": [d.to_json() for d in self.objects if d.label != "person"],
            "objects_ran": self.objects_ran,
        }
