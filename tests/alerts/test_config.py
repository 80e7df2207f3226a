"""Alert settings and words: which events are critical, URL lists, channel names that hide the
address, the checks on a session's own URLs, and the event in plain words."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from proctor.alerts.config import channels, rule_for, session_url_problem
from proctor.alerts.content import event_words
from proctor.alerts.worker import config_warnings
from proctor.config import Settings


def settings(**values: Any) -> Settings:
    return Settings(**values)


def test_defaults_make_phones_faces_and_people_critical() -> None:
    rules = settings().alert_events
    assert rule_for(rules, "object_detected", "cell_phone") is not None
    assert rule_for(rules, "object_detected", "extra_person") is not None
    assert rule_for(rules, "multiple_faces_detected", "") is not None
    no_face = rule_for(rules, "no_face_detected", "")
    assert no_face is not None and no_face.min_duration_s == 10
    assert rule_for(rules, "object_detected", "book") is None
    assert rule_for(rules, "looking_away", "") is None and rule_for(rules, "manual", "") is None


def test_alert_events_as_json_or_a_plain_list() -> None:
    rules = settings(alert_events='{"object_detected": {"min_confidence": 0.4}}').alert_events
    book = rule_for(rules, "object_detected", "book")  # a type without detail matches every one
    assert book is not None and book.min_confidence == 0.4
    assert set(settings(alert_events="manual, copy_paste").alert_events) == {"manual", "copy_paste"}
    with pytest.raises(ValidationError):
        settings(alert_events='{"manual": {"min_confidence": 2}}')
    with pytest.raises(ValidationError, match="WEBHOOK_SECRET"):
        settings(webhook_url="https://lms.example.org/hook")


def test_url_lists_and_channels_keep_addresses_out_of_their_names() -> None:
    s = settings(alert_urls="mailto://u:pw@example.org, json://127.0.0.1:8/x  slack://a/b/c")
    assert s.alert_urls == ["mailto://u:pw@example.org", "json://127.0.0.1:8/x", "slack://a/b/c"]
    found = channels(s.alert_urls, ["mailto://u:pw@example.org"], "https://lms.example.org/h")
    assert [c.scope for c in found] == ["operator"] * 3 + ["session", "webhook"]
    assert all("pw" not in c.key and "example" not in c.key for c in found)
    assert len({c.key for c in found}) == 5


def test_session_urls_must_be_allowed_and_readable() -> None:
    allowed = ["mailto", "mailtos"]
    assert session_url_problem("mailtos://user:pw@mail.example.org?to=a@b.org", allowed) is None
    problem = session_url_problem("json://10.0.0.1/x", allowed)
    assert problem == "scheme 'json' is not allowed here (allowed: mailto, mailtos)"
    assert session_url_problem("ada@example.org", allowed) == "not a URL (scheme://...)"
    assert "Apprise" in (session_url_problem("mailto://", allowed) or "")
    assert "longer than" in (session_url_problem("mailto://" + "a" * 2000, allowed) or "")


def test_events_in_words() -> None:
    assert event_words("object_detected", "cell_phone") == "phone seen"
    assert event_words("object_detected", "extra_person") == "another person seen"
    assert event_words("no_face_detected", "") == "no face in view"
    assert event_words("manual", "talking") == "logged by the interviewer: talking"


def test_settings_that_can_never_work_are_named_at_start() -> None:
    s = settings(
        alert_urls="json://127.0.0.1:9/x mailto:// nonsense",
        alert_events="object_detected:cell_phone,phone",
    )
    assert config_warnings(s) == [
        "PROCTOR_ALERT_URLS item 2 is not a mailto:// URL Apprise can send to",
        "PROCTOR_ALERT_URLS item 3 is not a URL Apprise can send to",
        "PROCTOR_ALERT_EVENTS names 'phone', no event type (known: no_face_detected, "
        "multiple_faces_detected, looking_away, object_detected, identity_mismatch, "
        "speech_detected, other_voice, focus_lost, fullscreen_exit, copy_paste, manual)",
    ]
    assert config_warnings(settings()) == []
