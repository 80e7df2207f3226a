"""Looking away: head pose and gaze against the candidate's neutral pose, and its calibration.

A face is looking away when the landmark model cannot read it (turned too far, or covered), or
when, relative to the neutral pose:
- its yaw (the mean of the mesh's solvePnP yaw and the detector keypoints' yaw, or whichever
  exists: the keypoints carry profiles where the mesh fails) exceeds ``yaw_threshold_deg``;
- its pitch goes down by more than ``pitch_threshold_deg``, or up by ``PITCH_UP_FACTOR`` times
  that (glancing up while thinking is common; photos taken from above read as pitch up);
- its gaze exceeds ``gaze_threshold`` sideways or down (up: ``PITCH_UP_FACTOR`` times that, as
  for pitch). Sideways, the head's yaw is added in gaze units (``GAZE_PER_YAW_DEG``): eyes that
  turn against a turned head to keep looking at the screen are not looking away, while eyes
  turned the same way as the head are.

The defaults were measured on the evaluation set (``proctor.evaluation.faces``).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from proctor.config import Settings
from proctor.vision.types import Gaze, HeadPose

# Slope of horizontal gaze against head yaw on faces that look into the camera (the eyes turn
# back as the head turns), measured on the evaluation set's 20 non-away faces (r = -0.58).
GAZE_PER_YAW_DEG = 0.0045
PITCH_UP_FACTOR = 1.6
# A calibrated neutral may differ from the default by at most this much: a candidate who keeps
# looking away during calibration must not make looking away the norm.
MAX_NEUTRAL_SHIFT = {"yaw": 25.0, "pitch": 30.0, "roll": 30.0, "gaze": 0.35}


@dataclass(frozen=True, slots=True)
class NeutralPose:
    """The pose and gaze of a candidate looking at the screen, as the models read it.

    The defaults are the medians over the evaluation set's frontal single-face images: the
    generic 3D face model reads a real frontal face with a pitch of about -12 degrees
    (``python -m proctor.evaluation.faces`` prints the measurement).
    """

    yaw: float = 3.1
    pitch: float = -11.7
    roll: float = -3.4
    gaze_horizontal: float = -0.04
    gaze_vertical: float = 0.31


DEFAULT_NEUTRAL = NeutralPose()


def combined_yaw(pose: HeadPose | None, keypoint_yaw: float | None) -> float | None:
    """The mean of the available yaw estimates (degrees), or None when there is none."""
    values = [v for v in (pose.yaw if pose else None, keypoint_yaw) if v is not None]
    return sum(values) / len(values) if values else None


def away_reason(
    pose: HeadPose | None,
    gaze: Gaze | None,
    keypoint_yaw: float | None,
    neutral: NeutralPose,
    settings: Settings,
) -> str | None:
    """Why the face is looking away, or None when it is not.

    ``pose`` is None when the landmark model could not read a detected face: the face is turned
    too far or covered (a phone at the ear, a hand), which counts as looking away (``unreadable``).
    Other reasons: ``yaw``, ``pitch``, ``gaze``.
    """
    yaw = combined_yaw(pose, keypoint_yaw)
    yaw_rel = 0.0 if yaw is None else yaw - neutral.yaw
    if abs(yaw_rel) > settings.yaw_threshold_deg:
        return "yaw"
    if pose is None:
        return "unreadable"
    pitch_rel = pose.pitch - neutral.pitch
    if pitch_rel < -settings.pitch_threshold_deg:
        return "pitch"
    if pitch_rel > PITCH_UP_FACTOR * settings.pitch_threshold_deg:
        return "pitch"
    if gaze is not None:
        horizontal = gaze.horizontal - neutral.gaze_horizontal + GAZE_PER_YAW_DEG * yaw_rel
        vertical = gaze.vertical - neutral.gaze_vertical
        limit = settings.gaze_threshold
        if abs(horizontal) > limit or vertical < -limit or vertical > PITCH_UP_FACTOR * limit:
            return "gaze"
    return None


def is_looking_away(
    pose: HeadPose | None,
    gaze: Gaze | None,
    keypoint_yaw: float | None,
    neutral: NeutralPose,
    settings: Settings,
) -> bool:
    return away_reason(pose, gaze, keypoint_yaw, neutral, settings) is not None


def _robust_median(values: list[float], floor: float) -> float:
    """Median after dropping values further than 3 scaled MADs (at least ``floor``) from it."""
    centre = statistics.median(values)
    mad = statistics.median(abs(v - centre) for v in values) * 1.4826
    limit = max(3.0 * mad, floor)
    inliers = [v for v in values if abs(v - centre) <= limit]
    return statistics.median(inliers)


def _clamp(value: float, default: float, shift: float) -> float:
    return min(max(value, default - shift), default + shift)


class Calibrator:
    """Gathers poses over a time window and yields the candidate's neutral pose.

    The window opens at the first sample (and again after ``restart``) and lasts ``seconds``
    (``Settings.calibration_seconds``); it is ``ready`` once the window has passed and at least
    ``min_samples`` samples with a head pose arrived. Until then ``neutral`` is the default.
    """

    def __init__(
        self,
        seconds: float,
        *,
        min_samples: int = 5,
        default: NeutralPose = DEFAULT_NEUTRAL,
    ) -> None:
        self.seconds = seconds
        self.min_samples = min_samples
        self.default = default
        self.restart()

    @classmethod
    def from_settings(cls, settings: Settings, *, min_samples: int = 5) -> Calibrator:
        return cls(settings.calibration_seconds, min_samples=min_samples)

    def restart(self) -> None:
        """Forget the samples; the next one opens a new window."""
        self._start: float | None = None
        self._poses: list[HeadPose] = []
        self._gazes: list[Gaze] = []
        self._neutral: NeutralPose | None = None

    @property
    def ready(self) -> bool:
        return self._neutral is not None

    @property
    def samples(self) -> int:
        return len(self._poses)

    @property
    def neutral(self) -> NeutralPose:
        return self._neutral if self._neutral is not None else self.default

    def add(self, pose: HeadPose | None, gaze: Gaze | None, t: float) -> bool:
        """Add one frame's reading at time ``t`` (seconds); True once calibration is ready."""
        if self._neutral is not None:
            return True
        if self._start is None:
            self._start = t
        if pose is not None:
            self._poses.append(pose)
            if gaze is not None:
                self._gazes.append(gaze)
        if t - self._start >= self.seconds and len(self._poses) >= self.min_samples:
            self._neutral = self._compute()
        return self._neutral is not None

    def _compute(self) -> NeutralPose:
        d, shift = self.default, MAX_NEUTRAL_SHIFT
        yaw = _robust_median([p.yaw for p in self._poses], floor=5.0)
        pitch = _robust_median([p.pitch for p in self._poses], floor=5.0)
        roll = _robust_median([p.roll for p in self._poses], floor=5.0)
        gaze_h, gaze_v = d.gaze_horizontal, d.gaze_vertical
        if len(self._gazes) >= self.min_samples:
            gaze_h = _robust_median([g.horizontal for g in self._gazes], floor=0.05)
            gaze_v = _robust_median([g.vertical for g in self._gazes], floor=0.05)
        return NeutralPose(
            yaw=_clamp(yaw, d.yaw, shift["yaw"]),
            pitch=_clamp(pitch, d.pitch, shift["pitch"]),
            roll=_clamp(roll, d.roll, shift["roll"]),
            gaze_horizontal=_clamp(gaze_h, d.gaze_horizontal, shift["gaze"]),
            gaze_vertical=_clamp(gaze_v, d.gaze_vertical, shift["gaze"]),
        )
