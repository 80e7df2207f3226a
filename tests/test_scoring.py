"""Integrity score: weights, floor, unknown types, ordering, per-session overrides."""

from __future__ import annotations

import math

import pytest

from proctor.config import DEFAULT_SCORE_WEIGHTS, Settings
from proctor.scoring import ScoreBreakdown, ScoreItem, compute_score, merge_weights


def test_no_events_is_a_full_score() -> None:
    result = compute_score([], DEFAULT_SCORE_WEIGHTS)
    assert result == ScoreBreakdown(score=100.0, items=[])
    assert result.to_json() == {"score": 100.0, "breakdown": []}


def test_deductions_are_count_times_weight() -> None:
    events = ["looking_away"] * 3 + ["object_detected"] + ["focus_lost"] * 2
    result = compute_score(events, DEFAULT_SCORE_WEIGHTS)
    # 3 * 3 + 1 * 10 + 2 * 5 = 29
    assert result.score == 71.0
    assert result.items == [
        ScoreItem("focus_lost", 2, 10.0),
        ScoreItem("object_detected", 1, 10.0),
        ScoreItem("looking_away", 3, 9.0),
    ]
    assert result.total_deduction == 29.0
    assert result.counts == {"focus_lost": 2, "object_detected": 1, "looking_away": 3}


def test_items_sorted_by_deduction_then_type() -> None:
    weights = {"b": 2.0, "a": 2.0, "c": 5.0, "z": 0.0}
    result = compute_score(["z", "b", "a", "c", "z"], weights)
    assert [(i.type, i.deduction) for i in result.items] == [
        ("c", 5.0),
        ("a", 2.0),
        ("b", 2.0),
        ("z", 0.0),
    ]


def test_score_is_floored_at_zero() -> None:
    result = compute_score(["multiple_faces_detected"] * 25, DEFAULT_SCORE_WEIGHTS)
    assert result.score == 0.0
    assert not math.copysign(1.0, result.score) < 0  # never -0.0 in JSON
    assert result.items == [ScoreItem("multiple_faces_detected", 25, 250.0)]


def test_unknown_types_are_counted_without_deduction() -> None:
    result = compute_score(["looking_away", "tab_switch", "tab_switch"], DEFAULT_SCORE_WEIGHTS)
    assert result.score == 97.0
    assert ScoreItem("tab_switch", 2, 0.0) in result.items
    assert result.to_json()["breakdown"][-1] == {"type": "tab_switch", "count": 2, "deduction": 0.0}


def test_zero_weight_types_cost_nothing() -> None:
    result = compute_score(["manual"] * 7, DEFAULT_SCORE_WEIGHTS)
    assert result.score == 100.0
    assert result.items == [ScoreItem("manual", 7, 0.0)]


def test_score_rounds_to_one_decimal_without_float_noise() -> None:
    result = compute_score(["x"] * 3, {"x": 0.1})
    assert result.items[0].deduction == 0.3
    assert result.score == 99.7
    result = compute_score(["x"] * 3 + ["y"], {"x": 0.35, "y": 0.02})
    assert result.score == round(100 - 1.07, 1) == 98.9


def test_accepts_any_iterable_once() -> None:
    events = (t for t in ["focus_lost", "copy_paste"])
    assert compute_score(events, DEFAULT_SCORE_WEIGHTS).score == 90.0


def test_to_json_shape() -> None:
    result = compute_score(["no_face_detected", "looking_away"], DEFAULT_SCORE_WEIGHTS)
    assert result.to_json() == {
        "score": 92.0,
        "breakdown": [
            {"type": "no_face_detected", "count": 1, "deduction": 5.0},
            {"type": "looking_away", "count": 1, "deduction": 3.0},
        ],
    }


def test_breakdown_is_frozen() -> None:
    result = compute_score(["focus_lost"], DEFAULT_SCORE_WEIGHTS)
    with pytest.raises(AttributeError):
        result.score = 5.0  # type: ignore[misc]


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf")])
def test_invalid_weights_are_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="looking_away"):
        compute_score(["looking_away"], {"looking_away": bad})
    with pytest.raises(ValueError):
        merge_weights(DEFAULT_SCORE_WEIGHTS, {"looking_away": bad})


def test_per_session_overrides_merged_over_the_defaults() -> None:
    weights = merge_weights(DEFAULT_SCORE_WEIGHTS, {"looking_away": 10.0, "tab_switch": 1.5})
    assert weights["looking_away"] == 10.0
    assert weights["tab_switch"] == 1.5
    assert weights["object_detected"] == DEFAULT_SCORE_WEIGHTS["object_detected"]
    assert DEFAULT_SCORE_WEIGHTS["looking_away"] == 3.0  # the defaults are not changed
    result = compute_score(["looking_away", "tab_switch", "object_detected"], weights)
    assert result.score == 100 - 10.0 - 1.5 - 10.0
    assert merge_weights(DEFAULT_SCORE_WEIGHTS, None) == DEFAULT_SCORE_WEIGHTS


def test_weights_from_settings_score_like_the_defaults() -> None:
    settings = Settings(score_weights={"focus_lost": 20.0})
    result = compute_score(["focus_lost", "copy_paste"], settings.score_weights)
    assert result.score == 100 - 20.0 - DEFAULT_SCORE_WEIGHTS["copy_paste"]
