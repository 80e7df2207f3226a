"""Observations to events: a pure, per-session state machine (no I/O, no clock).

Each condition (no face, several faces, looking away, each object label, an extra person)
has a tracker. It starts an event only when the condition held in ``start_frames`` of the
last ``window_frames`` evaluations and for at least ``start_seconds`` (debounce: a one-frame
glitch is not an event), and ends it only after ``clear_seconds`` without it (hysteresis: a
10-second look-away is one event with a duration). Objects are judged on the frames where the
object detector ran; one frame at ``strong_score`` or more is enough on its own, and an object
event needs at least one frame at ``confirm_score`` (two thresholds: the detector's low one keeps
an event going, the higher one starts it, so a steady weak false positive never becomes an event)
or a box a second opinion confirmed (``Detection.confirmed_by``: the phone model's second look),
which counts as such a frame but not as a strong one.
A looking-away event's detail says why, in words: the reason (``Observation.away_reason``) seen
most often between the condition's first frame and the event's start ("eyes away", "head
turned", "head down", "head up", "eyes down", "eyes up", "face hidden").
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from proctor.vision.types import OBJECT_LABELS, Observation

if TYPE_CHECKING:
    from proctor.config import Settings

NO_FACE = "no_face_detected"
MULTIPLE_FACES = "multiple_faces_detected"
LOOKING_AWAY = "looking_away"
OBJECT = "object_detected"
EXTRA_PERSON = "extra_person"
VISION_TYPES: tuple[str, ...] = (NO_FACE, MULTIPLE_FACES, LOOKING_AWAY, OBJECT)


@dataclass(frozen=True, slots=True)
class RuleConfig:
    start_seconds: float = 0.8
    start_frames: int = 2
    window_frames: int = 3
    clear_seconds: float = 2.0
    object_start_frames: int = 2
    object_window_frames: int = 3
    object_clear_frames: int = 2
    strong_score: float = 0.5
    confirm_score: float = 0.3

    @classmethod
    def from_settings(cls, settings: Settings) -> RuleConfig:
        return cls(
            start_seconds=settings.rule_start_seconds,
            clear_seconds=settings.rule_clear_seconds,
            strong_score=settings.phone_strong_score,
            confirm_score=settings.object_confirm_score,
        )


@dataclass(frozen=True, slots=True)
class Transition:
    """An event starts (``at`` = when the condition began) or ends (``at`` = when it cleared)."""

    kind: Literal["start", "end"]
    type: str
    detail: str
    at: float
    confidence: float | None = None

    @property
    def key(self) -> str:
        return f"{self.type}:{self.detail}"


@dataclass(slots=True)
class _Tracker:
    type: str
    detail: str
    start_frames: int
    window: int
    start_seconds: float
    clear_frames: int
    allow_strong: bool = False
    needs_confirm: bool = False
    history: deque[bool] = field(init=False)
    streak_start: float | None = None
    active: bool = False
    last_true: float | None = None
    first_clear: float | None = None
    clear_count: int = 0
    best_score: float | None = None
    vouched: bool = False  # a frame of this streak had a box a second opinion confirmed
    reasons: Counter[str] = field(default_factory=Counter)
    event_detail: str = ""  # the open event's detail (its reason, when there is one)

    def __post_init__(self) -> None:
        self.history = deque(maxlen=self.window)
        self.event_detail = self.detail

    def update(
        self,
        value: bool,
        t: float,
        score: float | None,
        cfg: RuleConfig,
        reason: str | None = None,
        vouched: bool = False,
    ) -> Transition | None:
        self.history.append(value)
        if value:
            self.last_true, self.first_clear, self.clear_count = t, None, 0
            self.vouched = self.vouched or vouched
            if reason is not None and not self.active:
                self.reasons[reason] += 1
            if score is not None:
                self.best_score = score if self.best_score is None else max(self.best_score, score)
            if self.streak_start is None:
                self.streak_start = t
        else:
            if self.first_clear is None:
                self.first_clear = t
            self.clear_count += 1
        if not self.active:
            return self._maybe_start(value, t, score, cfg)
        return self._maybe_end(t, cfg)

    def _maybe_start(
        self, value: bool, t: float, score: float | None, cfg: RuleConfig
    ) -> Transition | None:
        trues = sum(self.history)
        if not value:
            if trues < self.start_frames:
                self._reset()
            return None
        assert self.streak_start is not None
        held = trues >= self.start_frames and t - self.streak_start >= self.start_seconds
        strong = self.allow_strong and score is not None and score >= cfg.strong_score
        confirmed = (
            not self.needs_confirm or self.vouched or (self.best_score or 0.0) >= cfg.confirm_score
        )
        if not ((held and confirmed) or strong):
            return None
        self.active = True
        confidence = None if self.best_score is None else round(self.best_score, 3)
        if self.reasons:
            self.event_detail = self.reasons.most_common(1)[0][0].replace("_", " ")
        return Transition("start", self.type, self.event_detail, self.streak_start, confidence)

    def _maybe_end(self, t: float, cfg: RuleConfig) -> Transition | None:
        if self.first_clear is None or self.last_true is None:
            return None
        if self.clear_count < self.clear_frames or t - self.last_true < cfg.clear_seconds:
            return None
        ended, detail = self.first_clear, self.event_detail
        self._reset()
        return Transition("end", self.type, detail, ended)

    def close(self, t: float) -> Transition | None:
        if not self.active:
            self._reset()
            return None
        ended = self.first_clear if self.first_clear is not None else t
        detail = self.event_detail
        self._reset()
        return Transition("end", self.type, detail, ended)

    def _reset(self) -> None:
        self.history.clear()
        self.active = False
        self.streak_start = self.last_true = self.first_clear = self.best_score = None
        self.clear_count = 0
        self.vouched = False
        self.reasons.clear()
        self.event_detail = self.detail


class SessionRules:
    """The rules for one session. Feed observations in time order; collect transitions."""

    def __init__(self, config: RuleConfig | None = None) -> None:
        self.config = cfg = config or RuleConfig()

        def face_tracker(type_: str) -> _Tracker:
            return _Tracker(type_, "", cfg.start_frames, cfg.window_frames, cfg.start_seconds, 1)

        def object_tracker(label: str) -> _Tracker:
            # A second person needs two frames; one clear sighting of an object is enough.
            return _Tracker(
                OBJECT,
                label,
                cfg.object_start_frames,
                cfg.object_window_frames,
                0.0,
                cfg.object_clear_frames,
                allow_strong=label != EXTRA_PERSON,
                needs_confirm=label != EXTRA_PERSON,
            )

        self._faces = {t: face_tracker(t) for t in (NO_FACE, MULTIPLE_FACES, LOOKING_AWAY)}
        self._objects = {label: object_tracker(label) for label in (*OBJECT_LABELS, EXTRA_PERSON)}

    @property
    def active(self) -> list[str]:
        """Keys (``type:detail``) of the events open now."""
        trackers = [*self._faces.values(), *self._objects.values()]
        return [f"{t.type}:{t.event_detail}" for t in trackers if t.active]

    def observe(self, obs: Observation, t: float, *, calibrating: bool = False) -> list[Transition]:
        """Transitions caused by the frame seen at ``t`` (seconds, any monotonic origin).

        While ``calibrating`` the neutral pose is unknown, so looking away is not judged.
        """
        out: list[Transition] = []
        faces = obs.face_count
        scores = sorted((f.score for f in obs.faces), reverse=True)
        self._step(out, self._faces[NO_FACE], faces == 0, t, None)
        self._step(
            out, self._faces[MULTIPLE_FACES], faces >= 2, t, scores[1] if faces >= 2 else None
        )
        if not calibrating:
            away = faces >= 1 and obs.looking_away is True
            reason = obs.away_reason if away else None
            self._step(out, self._faces[LOOKING_AWAY], away, t, None, reason)
        if obs.objects_ran:
            out += self.observe_objects(obs, t)
        return out

    def observe_objects(self, obs: Observation, t: float) -> list[Transition]:
        """Transitions from the object detector's findings on the frame seen at ``t``.

        ``observe`` calls it for frames where ``objects_ran``; a caller that gets the objects
        later than the faces (they run in parallel) calls it on its own.
        """
        out: list[Transition] = []
        faces = obs.face_count
        if obs.objects_ran:
            for label in OBJECT_LABELS:
                found = [d for d in obs.objects if d.label == label]
                best = max((d.score for d in found), default=None)
                vouched = any(d.confirmed_by is not None for d in found)
                self._step(out, self._objects[label], bool(found), t, best, vouched=vouched)
            people = sorted((d.score for d in obs.objects if d.label == "person"), reverse=True)
            persons = max(obs.persons, len(people))
            extra = persons >= 2 and faces <= 1
            second = people[1] if len(people) >= 2 else None
            self._step(out, self._objects[EXTRA_PERSON], extra, t, second)
        return out

    def finish(self, t: float) -> list[Transition]:
        """End every open event (the session ended)."""
        trackers = [*self._faces.values(), *self._objects.values()]
        return [tr for tr in (x.close(t) for x in trackers) if tr is not None]

    def _step(
        self,
        out: list[Transition],
        tracker: _Tracker,
        value: bool,
        t: float,
        score: float | None,
        reason: str | None = None,
        *,
        vouched: bool = False,
    ) -> None:
        transition = tracker.update(value, t, score, self.config, reason, vouched)
        if transition is not None:
            out.append(transition)
