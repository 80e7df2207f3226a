"""Readable names for event types and the report's time formats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from proctor.reports import labels

T0 = datetime(2026, 11, 25, 23, 59, 50, tzinfo=UTC)


def test_event_names_are_readable() -> None:
    assert labels.event_name("looking_away", "") == "Looking away"
    assert labels.event_name("object_detected", "cell_phone") == "Object detected: cell phone"
    assert labels.event_name("object_detected", "extra_person") == "Object detected: extra person"
    assert (
        labels.event_name("object_detected", "umbrella_stand") == "Object detected: umbrella stand"
    )
    assert labels.event_name("object_detected", "") == "Object detected"
    assert labels.event_name("tab_hidden_long", "x") == "Tab hidden long"
    assert labels.type_name("") == "—"
    assert labels.source_name("vision") == "Camera"
    assert labels.source_name("some_plugin") == "Some plugin"


def test_detail_is_left_out_when_the_name_says_it() -> None:
    assert labels.event_detail("object_detected", "cell_phone") == ""
    assert labels.event_detail("object_detected", "a phone, held low") == "a phone, held low"
    assert labels.event_detail("manual", "cell_phone") == "cell_phone"


def test_durations() -> None:
    assert labels.format_duration(0) == "0:00:00"
    assert labels.format_duration(3725.4) == "1:02:05"
    assert labels.format_duration(90061) == "25:01:01"
    assert labels.format_duration(None) == "—"
    assert labels.format_short_duration(4.04) == "4.0 s"
    assert labels.format_short_duration(75) == "0:01:15"


def test_times_are_shown_in_utc() -> None:
    local = T0.astimezone(timezone(timedelta(hours=5, minutes=30)))
    assert labels.format_datetime(local) == "2026-11-25 23:59:50 UTC"
    assert labels.format_clock(T0 + timedelta(seconds=5), T0) == "23:59:55"
    assert labels.format_clock(T0 + timedelta(seconds=15), T0) == "2026-11-26\n00:00:05"
    assert labels.format_offset(T0 + timedelta(seconds=3725), T0) == "+1:02:05"
    assert labels.format_offset(T0 - timedelta(seconds=2), T0) == "-0:00:02"
    naive = datetime(2026, 11, 25, 8, 0)
    assert labels.format_datetime(naive) == "2026-11-25 08:00:00 UTC"


def test_scores_and_deductions() -> None:
    assert labels.format_score(71) == "71.0"
    assert labels.format_deduction(10.0) == "−10"
    assert labels.format_deduction(2.5) == "−2.5"
    assert labels.format_deduction(0.0) == "0"


def test_clip_bounds_lines_and_characters() -> None:
    assert labels.clip("  short  ") == "short"
    many = "\n".join(str(i) for i in range(100))
    clipped = labels.clip(many, max_lines=3)
    assert clipped == "0\n1\n2 …"
    assert labels.clip("x" * 50, max_chars=10) == "x" * 10 + " …"
