"""The rules state machine: debounce, hysteresis, evidence over object frames, calibration."""

from __future__ import annotations

from pathlib import Path

from proctor.config import Settings
from proctor.realtime.live import Calibration
from proctor.rules import RuleConfig, SessionRules, Transition
from proctor.vision.detectors.base import create
from proctor.vision.pipeline import Pipeline
from proctor.vision.types import Detection, Face, Observation
from proctor.vision.video import sample_frames
from tests.conftest import with_models

FACE = Face(box=(100, 100, 300, 340), score=0.9)
SMALL_FACE = Face(box=(500, 50, 540, 95), score=0.7)


def obs(
    faces: int = 1,
    away: bool = False,
    objects: list[tuple[str, float]] | None = None,
    persons: int | None = None,
    reason: str | None = None,
) -> Observation:
    ran = objects is not None or persons is not None
    dets = [Detection(label, score, (0, 0, 10, 10)) for label, score in objects or []]
    dets += [Detection("person", 0.8, (0, 0, 50, 50))] * (persons or 0)
    return Observation(
        width=640,
        height=480,
        faces=[FACE, SMALL_FACE, SMALL_FACE][:faces],
        looking_away=away if faces else None,
        away_reason=(reason or "eyes_away") if away and faces else None,
        persons=persons or 0,
        objects=dets,
        objects_ran=ran,
    )


def run(rules: SessionRules, frames: list[tuple[float, Observation]]) -> list[Transition]:
    out: list[Transition] = []
    for t, o in frames:
        out += rules.observe(o, t)
    return out


def test_ten_second_look_away_is_one_event_with_a_duration() -> None:
    frames = [(float(t), obs(away=5 <= t < 15)) for t in range(25)]
    out = run(SessionRules(), frames)
    assert [(x.kind, x.type, x.at) for x in out] == [
        ("start", "looking_away", 5.0),
        ("end", "looking_away", 15.0),
    ]


def test_a_one_frame_glitch_is_not_an_event() -> None:
    frames = [(float(t), obs(faces=0 if t in (3, 9) else 1)) for t in range(15)]
    assert run(SessionRules(), frames) == []


def test_no_face_starts_at_its_first_frame_and_ends_after_the_clear_time() -> None:
    rules = SessionRules(RuleConfig(clear_seconds=2.0))
    out = run(rules, [(0.0, obs()), (1.0, obs(faces=0)), (2.0, obs(faces=0))])
    assert out == [Transition("start", "no_face_detected", "", 1.0)]
    assert rules.observe(obs(), 3.0) == []  # clear for 1 s: not yet
    assert rules.observe(obs(), 4.0) == [Transition("end", "no_face_detected", "", 3.0)]


def test_brief_flicker_inside_an_event_does_not_split_it() -> None:
    away = [t for t in range(2, 20) if t not in (7, 12)]
    out = run(SessionRules(), [(float(t), obs(away=t in away)) for t in range(26)])
    assert [x.kind for x in out] == ["start", "end"]


def test_start_needs_the_minimum_time_at_high_frame_rates() -> None:
    rules = SessionRules(RuleConfig(start_seconds=1.0))
    times = [i * 0.2 for i in range(10)]
    out = [(t, rules.observe(obs(faces=0), t)) for t in times]
    started = [t for t, trs in out if trs]
    assert started and abs(started[0] - 1.0) < 1e-9


def test_multiple_faces() -> None:
    out = run(SessionRules(), [(float(t), obs(faces=2 if t >= 2 else 1)) for t in range(6)])
    assert [(x.kind, x.type) for x in out] == [("start", "multiple_faces_detected")]
    assert out[0].confidence == 0.7


def test_phone_needs_two_of_three_object_frames() -> None:
    rules = SessionRules(RuleConfig(strong_score=0.5))
    weak = [("cell_phone", 0.3)]
    seq = [(0.0, obs(objects=weak)), (1.0, obs()), (2.0, obs(objects=[])), (4.0, obs(objects=[]))]
    assert run(rules, seq) == []  # seen once in three object frames
    out = run(rules, [(6.0, obs(objects=weak)), (7.0, obs()), (8.0, obs(objects=weak))])
    assert out == [Transition("start", "object_detected", "cell_phone", 6.0, 0.3)]


def test_one_strong_sighting_is_enough_and_end_needs_clear_object_frames() -> None:
    rules = SessionRules(RuleConfig(strong_score=0.5, clear_seconds=2.0))
    out = rules.observe(obs(objects=[("cell_phone", 0.72), ("book", 0.3)]), 0.0)
    assert out == [Transition("start", "object_detected", "cell_phone", 0.0, 0.72)]
    # Frames without the object detector say nothing about the phone.
    assert run(rules, [(float(t), obs()) for t in range(1, 10)]) == []
    assert rules.observe(obs(objects=[]), 10.0) == []
    assert rules.observe(obs(objects=[]), 12.0) == [
        Transition("end", "object_detected", "cell_phone", 10.0)
    ]


def test_extra_person_without_a_second_face() -> None:
    rules = SessionRules()
    out = run(rules, [(0.0, obs(persons=2)), (2.0, obs(persons=2))])
    assert [(x.type, x.detail) for x in out] == [("object_detected", "extra_person")]
    # Two persons with two faces are multiple faces, not an extra person.
    other = SessionRules()
    out = run(other, [(float(t), obs(faces=2, persons=2)) for t in range(4)])
    assert [x.type for x in out] == ["multiple_faces_detected"]


def test_looking_away_is_not_judged_while_calibrating() -> None:
    rules = SessionRules()
    for t in range(5):
        assert rules.observe(obs(away=True), float(t), calibrating=True) == []
    assert rules.observe(obs(away=True), 5.0) == []
    assert [x.type for x in rules.observe(obs(away=True), 6.0)] == ["looking_away"]


def test_finish_ends_every_open_event() -> None:
    rules = SessionRules()
    run(
        rules,
        [(0.0, obs(faces=0)), (1.0, obs(faces=0)), (2.0, obs(faces=0, objects=[("laptop", 0.9)]))],
    )
    assert sorted(rules.active) == ["no_face_detected:", "object_detected:laptop"]
    ends = rules.finish(3.0)
    assert sorted((x.kind, x.key, x.at) for x in ends) == [
        ("end", "no_face_detected:", 3.0),
        ("end", "object_detected:laptop", 3.0),
    ]
    assert rules.active == [] and rules.finish(4.0) == []


def test_a_steady_weak_object_never_starts_an_event_but_sustains_one() -> None:
    weak = [(float(t), obs(objects=[("cell_phone", 0.25)])) for t in range(10)]
    assert run(SessionRules(RuleConfig(confirm_score=0.3)), weak) == []

    rules = SessionRules(RuleConfig(confirm_score=0.3))
    frames = [
        (0.0, obs(objects=[("cell_phone", 0.32)])),
        (1.0, obs(objects=[("cell_phone", 0.25)])),
    ]
    frames += [(float(t), obs(objects=[("cell_phone", 0.22)])) for t in range(2, 8)]
    out = run(rules, frames)
    assert [(x.kind, x.detail, x.at) for x in out] == [("start", "cell_phone", 0.0)]
    assert rules.active == ["object_detected:cell_phone"]


def test_a_weak_box_a_second_opinion_confirmed_starts_an_event_over_two_frames() -> None:
    """The phone model's second look lets a box under its threshold stand where another model
    sees the phone too: such frames count as confirmed evidence, but not as a strong sighting."""

    def vouched(score: float) -> Observation:
        o = obs(objects=[])
        o.objects = [Detection("cell_phone", score, (0, 0, 10, 10), confirmed_by="object model")]
        return o

    rules = SessionRules(RuleConfig(confirm_score=0.3, strong_score=0.5))
    assert rules.observe(vouched(0.2), 0.0) == []  # one frame is not enough
    out = rules.observe(vouched(0.18), 1.0)
    assert out == [Transition("start", "object_detected", "cell_phone", 0.0, 0.2)]
    # The same weak boxes with nobody confirming them never start one.
    plain = [(float(t), obs(objects=[("cell_phone", 0.2)])) for t in range(10)]
    assert run(SessionRules(RuleConfig(confirm_score=0.3)), plain) == []
    # A confirmed box seen once, then gone long enough, leaves nothing behind.
    rules = SessionRules(RuleConfig(confirm_score=0.3))
    frames = [(0.0, vouched(0.2)), (1.0, obs(objects=[])), (2.0, obs(objects=[]))]
    frames += [(3.0, obs(objects=[("cell_phone", 0.2)])), (4.0, obs(objects=[("cell_phone", 0.2)]))]
    assert run(rules, frames) == []
    assert Detection("cell_phone", 0.2, (0, 0, 10, 10), "mirrored pass").to_json() == {
        "label": "cell_phone",
        "score": 0.2,
        "box": [0, 0, 10, 10],
        "confirmed_by": "mirrored pass",
    }
    assert "confirmed_by" not in Detection("book", 0.4, (0, 0, 1, 1)).to_json()


def test_the_looking_away_event_says_why() -> None:
    reasons = ["eyes_away", "head_turned", "eyes_away", "head_turned", "head_turned"]
    frames = [(t / 2, obs(away=True, reason=r)) for t, r in enumerate(reasons)]
    frames += [(float(t), obs()) for t in range(3, 7)]
    out = run(SessionRules(), frames)
    # The reason seen most up to the start (at 1 s, the third frame) stays the event's detail
    # to its end: one event, whatever the later frames say.
    assert [(x.kind, x.at, x.detail) for x in out] == [
        ("start", 0.0, "eyes away"),
        ("end", 3.0, "eyes away"),
    ]
    rules = SessionRules()
    run(rules, [(0.0, obs(away=True, reason="head_down")), (1.0, obs(away=True))])
    assert rules.active == ["looking_away:head down"]


def test_real_clip_through_live_calibration_and_rules(evalset: Path) -> None:
    """An eyes-only glance (about 6-10 s of a real selfie clip) in the live path: calibration on
    the first seconds, then one looking-away event whose detail says the eyes moved."""
    clip = evalset / "videos" / "webcam_gaze_center_right_center.mp4"
    settings = Settings(object_model="none")
    pipeline = with_models(lambda: Pipeline(settings, object_detector=create(settings)))
    calibration, rules = Calibration(settings), SessionRules(RuleConfig.from_settings(settings))
    out: list[Transition] = []
    for frame in sample_frames(clip, 2.0):
        o = pipeline.analyze_image(frame.image, neutral=calibration.neutral, run_objects=False)
        calibrating = calibration.observe(o, frame.t)
        out += rules.observe(o, frame.t, calibrating=calibrating)
    out += rules.finish(15.0)
    assert calibration.neutral is not None and calibration.neutral.calibrated
    assert [(x.kind, x.type, x.detail) for x in out] == [
        ("start", "looking_away", "eyes away"),
        ("end", "looking_away", "eyes away"),
    ]
    start, end = out[0].at, out[1].at
    assert 5.0 <= start <= 7.0 and 9.5 <= end <= 11.0, (start, end)
