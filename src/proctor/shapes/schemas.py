"""Request bodies (pydantic), validated before anything runs; shared by REST and Socket.IO."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    StringConstraints,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from proctor.alerts.config import MAX_SESSION_URLS, MAX_URL_CHARS
from proctor.rules import VISION_TYPES

BROWSER_TYPES: tuple[str, ...] = ("focus_lost", "fullscreen_exit", "copy_paste")
# identity_mismatch comes from the live identity checks (proctor.identity.monitor)
# speech_detected and other_voice come from the live audio (proctor.audio.live)
AUDIO_TYPES: tuple[str, ...] = ("speech_detected", "other_voice")
EVENT_TYPES: tuple[str, ...] = (
    *VISION_TYPES,
    "identity_mismatch",
    *AUDIO_TYPES,
    *BROWSER_TYPES,
    "manual",
)
MAX_CHAT_CHARS = 2000

# The OpenAPI description of text that may not hold NUL (which NoNul refuses, naming it)
NO_NUL_PATTERN = r"^[^\x00]*$"
NO_NUL = Field(json_schema_extra={"pattern": NO_NUL_PATTERN})
# Spaces, tabs and line breaks: a name of these alone is blank, and they are trimmed off names.
# Exactly these (not all of Unicode's spaces), so that the pattern says what the server does.
BLANK = " \t\n\v\f\r"


def _trimmed(value: str) -> str:
    value = value.strip(BLANK)
    if not value:
        raise ValueError("must not be blank")
    return value


# 1 to 200 characters, not all blank, trimmed once accepted
Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200),
    AfterValidator(_trimmed),
    Field(json_schema_extra={"pattern": r"^[^\x00]*[^\x00\t\n\v\f\r ][^\x00]*$"}),
]
SessionId = Annotated[str, StringConstraints(min_length=1, max_length=64), NO_NUL]
Detail = Annotated[str, StringConstraints(max_length=2000), NO_NUL]
ClientId = Annotated[str, StringConstraints(min_length=1, max_length=100), NO_NUL]
AlertUrl = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_URL_CHARS),
    # What makes one valid (a scheme the server allows, an address Apprise can send to) is more
    # than JSON Schema can say: the description names it as a format of its own.
    Field(
        json_schema_extra={
            "format": "apprise-url",
            "description": "An Apprise URL in a scheme PROCTOR_ALERT_SCHEMES allows",
        }
    ),
]
EventType = Literal[
    "no_face_detected",
    "multiple_faces_detected",
    "looking_away",
    "object_detected",
    "identity_mismatch",
    "speech_detected",
    "other_voice",
    "focus_lost",
    "fullscreen_exit",
    "copy_paste",
    "manual",
]


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


class NoNul(BaseModel):
    """Refuses NUL characters in any text of the body: PostgreSQL cannot store them."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        if _has_nul(value):
            raise ValueError("text must not contain NUL characters")
        return value


# More values (keys and items, at any depth) than any valid REST body holds
MAX_BODY_VALUES = 100


def _values_past(value: object, limit: int) -> bool:
    """Whether ``value`` holds more than ``limit`` values; stops as soon as it does."""
    count, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict | list):
            count += len(item)
            if count > limit:
                return True
            stack.extend(item.values() if isinstance(item, dict) else item)
    return False


class Strict(NoNul):
    """A REST body: unknown keys refused, no coercion (``"5"`` is no number), and a body too big
    for any valid one refused at once, with one error, before its fields are looked at (so an
    object of millions of unknown keys costs microseconds, not an error per key)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False, strict=True)

    @model_validator(mode="before")
    @classmethod
    def _bounded(cls, data: Any) -> Any:
        if isinstance(data, dict):
            if _values_past(data, MAX_BODY_VALUES):
                raise ValueError(f"more than {MAX_BODY_VALUES} values: no valid body has as many")
            unknown = [key for key in data if key not in cls.model_fields]
            if unknown:
                names = ", ".join(repr(k) for k in unknown[:5])
                raise ValueError(f"unknown field{'s' if len(unknown) > 1 else ''}: {names}")
        return data


# An RFC 3339 date-time, the OpenAPI ``date-time`` format; groups: date, time, fraction, offset
_RFC3339 = re.compile(
    r"^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?"
    r"(?:[Zz]|([+-])([0-9]{2}):([0-9]{2}))$"
)
EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)


def parse_timestamp(value: object) -> datetime:
    """An RFC 3339 date-time as UTC, and nothing else: no epoch numbers, no date alone. A leap
    second (23:59:60 UTC) is the last instant of its minute; a time before year 1 or after
    9999 (UTC) is the earliest or latest there is, so any valid date-time is accepted."""
    match = _RFC3339.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError("expected an RFC 3339 date-time such as 2026-01-01T10:00:00Z")
    year, month, day, hour, minute, second = (int(match[i]) for i in range(1, 7))
    micro = int((match[7][1:] + "00000")[:6]) if match[7] else 0
    sign = -1 if match[8] == "-" else 1
    off_h, off_m = (int(match[9]), int(match[10])) if match[8] else (0, 0)
    utc_minute = (hour * 60 + minute - sign * (off_h * 60 + off_m)) % 1440
    if second == 60 and utc_minute == 1439:
        second, micro = 59, 999_999
    try:
        # Year 0 exists in RFC 3339, not in Python: check the date in a year of the same leap rule
        local = datetime(
            year or 2000,
            month,
            day,
            hour,
            minute,
            second,
            micro,
            tzinfo=timezone(sign * timedelta(hours=off_h, minutes=off_m)),
        )
    except ValueError:
        raise ValueError("no such date or time") from None
    if year == 0:
        return EARLIEST
    try:
        return local.astimezone(UTC)
    except OverflowError:
        return EARLIEST if year == 1 else LATEST


Timestamp = Annotated[
    datetime,
    PlainValidator(parse_timestamp),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


def integral(value: object) -> object:
    """JSON Schema counts 3.0 as an integer, so the server does too (strict ints refuse it).
    Put it after the field's constraints, so that the description shows them."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# interview: the candidate speaks, another voice is an event; exam: any sustained speech is
SessionMode = Literal["interview", "exam"]


class SessionSettingsIn(Strict):
    """Per-session overrides chosen at start."""

    mode: SessionMode | None = None

    score_weights: dict[EventType, Annotated[float, Field(ge=0, le=100)]] = Field(
        default_factory=dict
    )
    candidate_notices: list[EventType] | None = Field(default=None, max_length=len(EVENT_TYPES))
    # Apprise URLs that get this session's alerts too (say, the interviewer's own email);
    # the server accepts only the schemes in PROCTOR_ALERT_SCHEMES
    alert_urls: list[AlertUrl] | None = Field(default=None, max_length=MAX_SESSION_URLS)


class StartSessionIn(Strict):
    """``name`` starts a new session; ``session_id`` (with its interviewer's token) resumes one.
    One of the two is required, and neither may be null (the OpenAPI description says so)."""

    model_config = ConfigDict(
        json_schema_extra={"anyOf": [{"required": ["name"]}, {"required": ["session_id"]}]}
    )

    name: Name | SkipJsonSchema[None] = None
    session_id: (
        Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")] | SkipJsonSchema[None]
    ) = None
    settings: SessionSettingsIn | None = None
    # The same as ``settings.mode`` (either may be given): ``interview`` when neither is
    mode: SessionMode | SkipJsonSchema[None] = None

    @field_validator("name", "session_id", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("must be text, not null")
        return value

    @model_validator(mode="after")
    def _name_or_session(self) -> StartSessionIn:
        if self.name is None and self.session_id is None:
            raise ValueError("name is required to start a session")
        return self


class LogIn(Strict):
    session_id: SessionId
    type: EventType
    detail: Detail = ""
    role: Literal["interviewer", "candidate"] | None = None
    name: Name | None = None
    client_id: ClientId | None = None
    ts: Annotated[float, Field(ge=0)] | None = None


# A recording part's id, chosen by the client (one per page that records)
PART_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
MAX_DURATION_S = 7 * 24 * 3600
Duration = Annotated[float, Field(ge=0, le=MAX_DURATION_S)]


class CompleteVideoIn(Strict):
    # None: every chunk received, up to the first one missing
    chunks: Annotated[int, Field(ge=1, le=100_000), BeforeValidator(integral)] | None = None
    mime: Literal["video/webm", "video/mp4"] | None = None
    # When the recording started (the client's clock): used only when the chunks did not
    # tell (see ``recorded_ms``)
    started_at: Timestamp | None = None
    duration_s: Duration | None = None
