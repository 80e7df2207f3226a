"""Plain data types that flow out of the vision pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Object labels the product reports (COCO tv is reported as ``monitor``).
OBJECT_LABELS: tuple[str, ...] = ("cell_phone", "book", "laptop", "monitor")

Box = tuple[float, float, float, float]  # x1, y1, x2, y2 in image pixels


@dataclass(frozen=True, slots=True)
class Detection:
    """One object box from an object detector. ``label`` is a product label or ``person``."""

    label: str
    score: float
    box: Box

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "score": round(self.score, 3),
            "box": [round(v, 1) for v in self.box],
        }


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


@dataclass(frozen=True, slots=True)
class Gaze:
    """Iris offset from the eye centre, -1..1. Horizontal > 0: image right; vertical > 0: up."""

    horizontal: float
    vertical: float

    def to_json(self) -> dict[str, float]:
        return {"horizontal": round(self.horizontal, 2), "vertical": round(self.vertical, 2)}


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
        return {
            "faces": self.face_count,
            "looking_away": self.looking_away if face is not None else None,
            "head_pose": face.head_pose.to_json() if face and face.head_pose else None,
            "gaze": face.gaze.to_json() if face and face.gaze else None,
            "persons": self.persons,
            "objects": [d.to_json() for d in self.objects if d.label != "person"],
            "objects_ran": self.objects_ran,
        }
