"""Socket.IO payloads: every field of every client → server message, type-checked.

Strict: bytes or numbers where text belongs are refused, not coerced; a field the message does
not have is refused too. ``parse`` turns what is wrong into the usual error ack.
"""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)
from pydantic_core import PydanticCustomError

from proctor.shapes.schemas import ClientId, Detail, EventType, Name, NoNul, SessionId

M = TypeVar("M", bound="SocketIn")

# ``ts`` is the sender's clock, in milliseconds since the Unix epoch (JavaScript's Date.now()):
# a finite number at most a year away from the server's clock, either way. A browser whose clock
# is further off could not open an HTTPS page anyway; within the window, a time too far off to
# be the event's own is replaced by the server's (see ``messages.client_time``).
TS_WINDOW_MS = 365 * 24 * 3600 * 1000


def _near_now(ts: float) -> float:
    if abs(ts - time.time() * 1000) > TS_WINDOW_MS:
        raise PydanticCustomError(
            "ts_range", "must be the sender's clock in ms since 1970, within a year of the server's"
        )
    return ts


ClientTs = Annotated[float, Field(allow_inf_nan=False), AfterValidator(_near_now)]
PeerId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
RequestId = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class SocketIn(NoNul):
    model_config = ConfigDict(strict=True, extra="forbid")


class JoinIn(SocketIn):
    session_id: SessionId
    role: Literal["interviewer", "candidate"]
    name: Name | None = None
    # The page's own id, shown in presence: a page whose socket reconnected keeps it
    peer: PeerId | None = None


class SessionOnlyIn(SocketIn):
    """``calibrate``."""

    session_id: SessionId


class FrameIn(SocketIn):
    session_id: SessionId
    image: bytes  # a JPEG: checked after the sender is (``media.check_image``)
    ts: ClientTs | None = None


class AudioIn(SocketIn):
    """One chunk of the candidate's microphone stream (WebM/Opus, ``audio.stream``)."""

    session_id: SessionId
    data: bytes  # its size is checked against a setting once the sender is
    # 0 starts a stream (its chunk holds the WebM header); each next chunk is one more
    seq: Annotated[int, Field(ge=0, le=10_000_000)]
    ts: ClientTs | None = None


class SnapshotIn(SocketIn):
    """An interviewer's request (``session_id`` alone) or a candidate's answer to one."""

    session_id: SessionId
    request_id: RequestId | None = None
    image: bytes | None = None


class ChatIn(SocketIn):
    session_id: SessionId
    message: Annotated[str, StringConstraints(min_length=1)]  # the limit is a setting
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
    ts: ClientTs | None = None


class SignalIn(SocketIn):
    session_id: SessionId
    data: dict[str, object]  # WebRTC's own: relayed as is, within a size limit
    # The sid of the one connection of the session it is for (absent: the others in the room)
    to: PeerId | None = None


def error(message: str) -> dict[str, Any]:
    return {"ok": False, "error": message}


def parse(model: type[M], data: Any) -> M | dict[str, Any]:
    """The payload as ``model``, or an error ack naming what is wrong."""
    if not isinstance(data, dict):
        return error("payload must be an object")
    # Unknown keys are refused here, at the first: pydantic would build an error for each.
    unknown = next((key for key in data if key not in model.model_fields), None)
    if unknown is not None:
        return error(f"{str(unknown)[:50]!r} is not a field of this message")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "payload"
        return error(f"{where}: {first['msg']}")
