"""Request bodies (pydantic), validated before anything runs; shared by REST and Socket.IO."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from proctor.alerts.config import MAX_SESSION_URLS, MAX_URL_CHARS
from proctor.rules import VISION_TYPES

BROWSER_TYPES: tuple[str, ...] = ("focus_lost", "fullscreen_exit", "copy_paste")
EVENT_TYPES: tuple[str, ...] = (*VISION_TYPES, *BROWSER_TYPES, "manual")
MAX_CHAT_CHARS = 2000

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
SessionId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Detail = Annotated[str, StringConstraints(max_length=2000)]
ClientId = Annotated[str, StringConstraints(min_length=1, max_length=100)]
AlertUrl = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_URL_CHARS)
]
EventType = Literal[
    "no_face_detected",
    "multiple_faces_detected",
    "looking_away",
    "object_detected",
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


class Strict(NoNul):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class SessionSettingsIn(Strict):
    """Per-session overrides chosen at start."""

    score_weights: dict[EventType, Annotated[float, Field(ge=0, le=100)]] = Field(
        default_factory=dict
    )
    candidate_notices: list[EventType] | None = None
    # Apprise URLs that get this session's alerts too (say, the interviewer's own email);
    # the server accepts only the schemes in PROCTOR_ALERT_SCHEMES
    alert_urls: list[AlertUrl] | None = Field(default=None, max_length=MAX_SESSION_URLS)


class StartSessionIn(Strict):
    name: Name | None = None
    session_id: SessionId | None = None
    settings: SessionSettingsIn | None = None

    @field_validator("session_id")
    @classmethod
    def _id_chars(cls, value: str | None) -> str | None:
        if value is not None and not all(c.isalnum() or c in "-_" for c in value):
            raise ValueError("session_id has characters a session id never has")
        return value


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
Duration = Annotated[float, Field(ge=0, le=7 * 24 * 3600)]


class CompleteVideoIn(Strict):
    # None: every chunk received, up to the first one missing
    chunks: Annotated[int, Field(ge=1, le=100_000)] | None = None
    mime: Literal["video/webm", "video/mp4"] | None = None
    # When the recording started (the client's clock): used only when the chunks did not
    # tell (see ``recorded_ms``)
    started_at: AwareDatetime | None = None
    duration_s: Duration | None = None


# Socket.IO payloads: strict, so bytes or numbers where text belongs are refused, not coerced
class SocketIn(NoNul):
    model_config = ConfigDict(strict=True)


PeerId = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class JoinIn(SocketIn):
    session_id: SessionId
    role: Literal["interviewer", "candidate"]
    name: Name | None = None
    # The page's own id, shown in presence: a page whose socket reconnected keeps it
    peer: PeerId | None = None


class SessionOnlyIn(SocketIn):
    session_id: SessionId


class ChatIn(SocketIn):
    session_id: SessionId
    message: Annotated[str, StringConstraints(min_length=1)]
    client_id: ClientId | None = None

    @field_validator("message")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("message is empty")
        return value


class EventIn(SocketIn):
    session_id: SessionId
    type: EventType
    detail: Detail = ""
    client_id: ClientId | None = None
    ts: Annotated[float, Field(ge=0)] | None = None


class SignalIn(SocketIn):
    session_id: SessionId
    data: dict[str, object]
    # The sid of the one connection of the session it is for (absent: the others in the room)
    to: PeerId | None = None
