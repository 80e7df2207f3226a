"""What an alert says: the event in words, the candidate, the session, the time, the confidence
and a link to the review page at that moment.

The payload is fixed when the alert is written (``alert_payload``); the message is made from it
when it is sent (``message``), so a retry after a restart says the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from proctor.db.models import EventRow
from proctor.shapes.views import event_json, iso

OBJECT_WORDS: dict[str, str] = {
    "cell_phone": "phone",
    "book": "book",
    "laptop": "laptop",
    "monitor": "monitor",
    "extra_person": "another person",
}
TYPE_WORDS: dict[str, str] = {
    "no_face_detected": "no face in view",
    "multiple_faces_detected": "several faces in view",
    "looking_away": "looking away from the screen",
    "identity_mismatch": "not the enrolled person",
    "speech_detected": "speech heard",
    "other_voice": "another voice heard",
    "focus_lost": "left the exam page",
    "fullscreen_exit": "left full screen",
    "copy_paste": "copied or pasted",
    "manual": "logged by the interviewer",
}


def event_words(type_: str, detail: str) -> str:
    """The event in plain words: ``phone seen`` for a phone."""
    if type_ == "object_detected":
        return f"{OBJECT_WORDS.get(detail, detail.replace('_', ' ') or 'object')} seen"
    words = TYPE_WORDS.get(type_, type_.replace("_", " "))
    return f"{words}: {detail}" if detail else words


def review_link(base_url: str, session_id: str, event_id: int, at: datetime) -> str:
    """The review page of the session at the event. It carries no token: whoever opens it
    signs in with the interviewer's link as always."""
    when = quote(iso(at) or "", safe="")
    return f"{base_url.rstrip('/')}/review/{session_id}?event={event_id}&t={when}"


def alert_payload(
    event: EventRow, candidate: str, base_url: str, min_duration_s: float
) -> dict[str, Any]:
    """Everything the alert needs later, without reading the event again."""
    return {
        "event": event_json(event),
        "candidate": candidate,
        "words": event_words(event.type, event.detail),
        "link": review_link(base_url, event.session_id, event.id, event.timestamp),
        "evidence_path": event.evidence_path,
        "min_duration_s": min_duration_s,
    }


@dataclass(frozen=True, slots=True)
class Message:
    title: str
    body: str
    evidence_path: str | None


def _lines(payload: dict[str, Any]) -> list[str]:
    event = payload["event"]
    confidence = event.get("confidence")
    lines = [
        f"Candidate: {payload['candidate']}",
        f"Session: {event['session_id']}",
        f"Event: {payload['words']} ({event['type']}"
        + (f", {event['detail']})" if event.get("detail") else ")"),
        f"Time: {event['timestamp']}",
        f"Confidence: {confidence:.2f}" if confidence is not None else "Confidence: not measured",
    ]
    if payload.get("duration_s"):
        lines.append(f"Lasted: {payload['duration_s']:.0f} s so far")
    lines.append(f"Review: {payload['link']}")
    return lines


def message(payload: dict[str, Any]) -> Message:
    """An event alert's title and text."""
    title = f"Proctor alert: {payload['words']} ({payload['candidate']})"
    return Message(title, "\n".join(_lines(payload)), payload.get("evidence_path"))


def digest(session_id: str, candidate: str, payloads: list[dict[str, Any]]) -> Message:
    """One message for the alerts held back by the rate limit."""
    title = f"Proctor alert: {len(payloads)} more events ({candidate})"
    parts = [
        f"Candidate: {candidate}",
        f"Session: {session_id}",
        f"{len(payloads)} more critical events since the last alerts:",
    ]
    for p in payloads:
        event = p["event"]
        parts.append(f"- {event['timestamp']}: {p['words']} ({p['link']})")
    return Message(title, "\n".join(parts), None)
