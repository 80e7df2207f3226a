"""Human-readable names for event types and the time formats the report uses."""

from __future__ import annotations

from datetime import UTC, datetime

EVENT_TYPE_NAMES: dict[str, str] = {
    "no_face_detected": "No face detected",
    "multiple_faces_detected": "Multiple faces",
    "looking_away": "Looking away",
    "object_detected": "Object detected",
    "identity_mismatch": "Identity mismatch",
    "speech_detected": "Speech heard",
    "other_voice": "Another voice",
    "focus_lost": "Window focus lost",
    "fullscreen_exit": "Left fullscreen",
    "copy_paste": "Copy or paste",
    "manual": "Interviewer note",
}

OBJECT_NAMES: dict[str, str] = {
    "cell_phone": "cell phone",
    "book": "book",
    "laptop": "laptop",
    "monitor": "monitor",
    "extra_person": "extra person",
}

SOURCE_NAMES: dict[str, str] = {
    "vision": "Camera",
    "audio": "Microphone",
    "browser": "Browser",
    "manual": "Interviewer",
}

NO_VALUE = "—"


def _humanize(raw: str) -> str:
    text = raw.replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else NO_VALUE


def type_name(event_type: str) -> str:
    """``looking_away`` -> ``Looking away``; unknown types are made readable the same way."""
    return EVENT_TYPE_NAMES.get(event_type) or _humanize(event_type)


def object_name(label: str) -> str:
    return OBJECT_NAMES.get(label) or label.replace("_", " ").strip()


def event_name(event_type: str, detail: str) -> str:
    """The type as the report shows it, with the object for object events."""
    if event_type == "object_detected" and detail.strip():
        return f"{type_name(event_type)}: {object_name(detail.strip())}"
    return type_name(event_type)


def event_detail(event_type: str, detail: str) -> str:
    """The detail column: empty when the name already says all of it."""
    if event_type == "object_detected" and detail.strip() in OBJECT_NAMES:
        return ""
    return detail


def source_name(source: str) -> str:
    return SOURCE_NAMES.get(source) or _humanize(source)


def utc(moment: datetime) -> datetime:
    """The moment in UTC (a naive datetime is taken as UTC already)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def format_datetime(moment: datetime) -> str:
    return utc(moment).strftime("%Y-%m-%d %H:%M:%S UTC")


def format_clock(moment: datetime, day_of: datetime) -> str:
    """Time of day, with the date above it when it is not the day of ``day_of``."""
    moment = utc(moment)
    if moment.date() != utc(day_of).date():
        return moment.strftime("%Y-%m-%d\n%H:%M:%S")
    return moment.strftime("%H:%M:%S")


def format_duration(seconds: float | None) -> str:
    """``h:mm:ss``; a dash when unknown."""
    if seconds is None:
        return NO_VALUE
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def format_short_duration(seconds: float | None) -> str:
    """Event lengths: ``4.0 s`` under a minute, ``h:mm:ss`` above."""
    if seconds is None:
        return NO_VALUE
    if seconds < 60:
        return f"{max(0.0, seconds):.1f} s"
    return format_duration(seconds)


def format_offset(moment: datetime, start: datetime) -> str:
    """Time since the session started, ``+h:mm:ss`` (``-`` for clocks that ran early)."""
    seconds = (utc(moment) - utc(start)).total_seconds()
    sign = "-" if seconds < 0 else "+"
    return sign + format_duration(abs(seconds))


def format_score(value: float) -> str:
    return f"{value:.1f}"


def format_deduction(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return f"−{text}" if value > 0 else "0"


def clip(text: str, max_lines: int = 40, max_chars: int = 4000) -> str:
    """Bound free text so that one table row always fits on a page."""
    lines = text.strip().splitlines()
    clipped = "\n".join(lines[:max_lines])[:max_chars]
    return clipped + " …" if clipped != "\n".join(lines) else clipped
