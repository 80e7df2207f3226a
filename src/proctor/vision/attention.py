"""Looking away: head pose and gaze against the candidate's neutral pose, and its calibration.

A face is looking away when the landmark model cannot read it (turned too far, or covered), or
when, relative to the neutral pose:
- its yaw (the mean of the mesh's solvePnP yaw and the detector keypoints' yaw, or whichever
  exists: the keypoints carry profiles where the mesh fails) exceeds ``yaw_threshold_deg``
  (``head_turned``);
- its pitch goes down by more than ``pitch_threshold_deg`` (``head_down``), or up by
  ``PITCH_UP_FACTOR`` times that (``head_up``: glancing up while thinking is common; photos taken
  from above read as pitch up);
- its gaze, in degrees of eye rotation (``types.gaze_degrees``), turns sideways by more than
  ``gaze_threshold_deg`` (``eyes_away``), down by more than ``gaze_down_threshold_deg``
  (``eyes_down``) or up by ``PITCH_UP_FACTOR`` times that (``eyes_up``). Sideways, the head's
  yaw is added (``EYE_YAW_PER_HEAD_YAW``): eyes that turn against a turned head to keep looking
  at the screen are not looking away, while eyes turned the same way as the head are.

The gaze thresholds hold against a calibrated neutral (the candidate's own, from the first
seconds of a session or video). Against the default neutral (a still image, or before
calibration) they are wider by ``DEFAULT_NEUTRAL_SLACK_DEG``: people's straight-ahead gaze, as
the models read it, differs by a few degrees from one face to the next, and only calibration
removes that. The defaults were measured on the evaluation set (``proctor.evaluation.faces``)
and its two selfie clips of eyes-only glances.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from proctor.config import Settings
from proctor.vision.types import Gaze, HeadPose, Observation, gaze_degrees

# Eye rotation per degree of head yaw on faces that look into the camera (the eyes turn back
# as the head turns), measured on the evaluation set's 20 non-away faces (r = -0.58).
EYE_YAW_PER_HEAD_YAW = 0.32
PITCH_UP_FACTOR = 1.6
# How much wider the gaze thresholds (horizontal, vertical; degrees) are against the default
# neutral than against a calibrated one. With them, a still image is judged as before gaze
# had degrees (0.2 of the eye's half width sideways, of its quarter width down).
DEFAULT_NEUTRAL_SLACK_DEG = (4.5, 1.2)
# A calibrated neutral may differ from the default by at most this much: a candidate who keeps
# looking away during calibration must not make looking away the norm.
MAX_NEUTRAL_SHIFT = {"yaw": 25.0, "pitch": 30.0, "roll": 30.0, "gaze": 0.35}

HEAD_TURNED, HEAD_DOWN, HEAD_UP = "head_turned", "head_down", "head_up"
EYES_AWAY, EYES_DOWN, EYES_UP = "eyes_away", "eyes_down", "eyes_up"
FACE_HIDDEN = "face_hidden"
AWAY_REASONS: tuple[str, ...] = (
    HEAD_TURNED,
    HEAD_DOWN,
    HEAD_UP,
    EYES_AWAY,
    EYES_DOWN,
    EYES_UP,
    FACE_HIDDEN,
)


@dataclass(frozen=True, slots=True)
class NeutralPose:
    """The pose and gaze of a candidate looking at the screen, as the models read it.

    The defaults are the medians over the evaluation set's frontal single-face images: the
    generic 3D face model reads a real frontal face with a pitch of about -12 degrees
    (``python -m proctor.evaluation.faces`` prints the measurement). Gaze is in ``Gaze`` units;
    ``calibrated`` is True for a candidate's own neutral.
    """

    yaw: float = 3.1
    pitch: float = -11.7
    roll: float = -3.4
    gaze_horizontal: float = -0.04
    gaze_vertical: float = 0.31
    calibrated: bool = False


DEFAULT_NEUTRAL = NeutralPose()


@dataclass(frozen=True, slots=True)
class Judgement:
    """Why a face looks away (None: it does not), and its gaze off the neutral in degrees."""

    reason: str | None
    gaze_offset_deg: tuple[float, float] | None = None


def combined_yaw(pose: HeadPose | None, keypoint_yaw: float | None) -> float | None:
    """The mean of the available yaw estimates (degrees), or None when there is none."""
    values = [v for v in (pose.yaw if pose else None, keypoint_yaw) if v is not None]
    return sum(values) / len(values) if values else None


def gaze_offset(gaze: Gaze, yaw_rel: float, neutral: NeutralPose) -> tuple[float, float]:
    """The gaze off the neutral one in degrees (horizontal, vertical), the head's yaw off the
    neutral (``yaw_rel``) added sideways."""
    h, v = gaze.degrees
    h0, v0 = gaze_degrees(neutral.gaze_horizontal, neutral.gaze_vertical)
    return h - h0 + EYE_YAW_PER_HEAD_YAW * yaw_rel, v - v0


def gaze_thresholds(neutral: NeutralPose, settings: Settings) -> tuple[float, float, float]:
    """Sideways, down and up gaze thresholds (degrees) against ``neutral``."""
    side, down = settings.gaze_threshold_deg, settings.gaze_down_threshold_deg
    if not neutral.calibrated:
        side, down = side + DEFAULT_NEUTRAL_SLACK_DEG[0], down + DEFAULT_NEUTRAL_SLACK_DEG[1]
    return side, down, PITCH_UP_FACTOR * down


def judge(
    pose: HeadPose | None,
    gaze: Gaze | None,
    keypoint_yaw: float | None,
    neutral: NeutralPose,
    settings: Settings,
) -> Judgement:
    """Whether and why the face looks away (``AWAY_REASONS``), head before eyes.

    ``pose`` is None when the landmark model could not read a detected face: the face is turned
    too far or covered (a phone at the ear, a hand), which counts as looking away
    (``face_hidden``) unless the keypoints already say the head is turned.
    """
    yaw = combined_yaw(pose, keypoint_yaw)
    yaw_rel = 0.0 if yaw is None else yaw - neutral.yaw
    offset = gaze_offset(gaze, yaw_rel, neutral) if gaze is not None else None
    reason: str | None = None
    if abs(yaw_rel) > settings.yaw_threshold_deg:
        reason = HEAD_TURNED
    elif pose is None:
        reason = FACE_HIDDEN
    elif pose.pitch - neutral.pitch < -settings.pitch_threshold_deg:
        reason = HEAD_DOWN
    elif pose.pitch - neutral.pitch > PITCH_UP_FACTOR * settings.pitch_threshold_deg:
        reason = HEAD_UP
    elif offset is not None:
        side, down, up = gaze_thresholds(neutral, settings)
        horizontal, vertical = offset
        if abs(horizontal) > side:
            reason = EYES_AWAY
        elif vertical < -down:
            reason = EYES_DOWN
        elif vertical > up:
            reason = EYES_UP
    return Judgement(reason, offset)


def away_reason(
    pose: HeadPose | None,
    gaze: Gaze | None,
    keypoint_yaw: float | None,
    neutral: NeutralPose,
    settings: Settings,
) -> str | None:
    """Why the face is looking away (``AWAY_REASONS``), or None when it is not."""
    return judge(pose, gaze, keypoint_yaw, neutral, settings).reason


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
    """Gathers poses and gazes over a time window and yields the candidate's neutral pose.

    The window opens at the first frame (and again after ``restart``) and lasts ``seconds``
    (``Settings.calibration_seconds``); it is ``ready`` once the window has passed and at least
    ``min_samples`` good frames arrived: one face, read by the landmark model, its head turned
    less than ``turned_deg`` from the default neutral. The neutral is the median of each angle
    and of both gaze axes over those frames (after dropping outliers). Until then ``neutral``
    is the default; when no good frames come for ``give_up_seconds`` it stays the default
    (``finished`` either way).
    """

    def __init__(
        self,
        seconds: float,
        *,
        min_samples: int = 5,
        default: NeutralPose = DEFAULT_NEUTRAL,
        turned_deg: float = 25.0,
    ) -> None:
        self.seconds = seconds
        self.min_samples = min_samples
        self.default = default
        self.turned_deg = turned_deg
        self.give_up_seconds = 3 * seconds + 10
        self.restart()

    @classmethod
    def from_settings(cls, settings: Settings, *, min_samples: int = 5) -> Calibrator:
        return cls(
            settings.calibration_seconds,
            min_samples=min_samples,
            turned_deg=settings.yaw_threshold_deg,
        )

    def restart(self) -> None:
        """Forget the samples; the next one opens a new window."""
        self._start: float | None = None
        self._poses: list[HeadPose] = []
        self._gazes: list[Gaze] = []
        self._neutral: NeutralPose | None = None
        self._gave_up = False

    @property
    def ready(self) -> bool:
        return self._neutral is not None

    @property
    def finished(self) -> bool:
        """Ready, or given up (the default neutral stays)."""
        return self._neutral is not None or self._gave_up

    @property
    def samples(self) -> int:
        return len(self._poses)

    @property
    def neutral(self) -> NeutralPose:
        return self._neutral if self._neutral is not None else self.default

    def observe(self, obs: Observation, t: float) -> bool:
        """Add one analysed frame seen at ``t`` (seconds); True once calibration is ready.

        Frames with no face or several faces count for time but give no sample.
        """
        face = obs.primary_face if obs.face_count == 1 else None
        return self.add(face.head_pose if face else None, face.gaze if face else None, t)

    def add(self, pose: HeadPose | None, gaze: Gaze | None, t: float) -> bool:
        """Add one frame's reading at time ``t`` (seconds); True once calibration is ready.

        A frame without a pose, or with the head turned, counts for time but gives no sample.
        """
        if self.finished:
            return self.ready
        if self._start is None:
            self._start = t
        if pose is not None and abs(pose.yaw - self.default.yaw) <= self.turned_deg:
            self._poses.append(pose)
            if gaze is not None:
                self._gazes.append(gaze)
        if t - self._start >= self.seconds and len(self._poses) >= self.min_samples:
            self._neutral = self._compute()
        elif t - self._start > self.give_up_seconds:
            self._gave_up = True
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
            calibrated=True,
        )
