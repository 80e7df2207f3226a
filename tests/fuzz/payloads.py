"""Hypothesis strategies for Socket.IO payloads: JSON-like values, wrong types, huge strings,
binary where text belongs, deep nesting, and field-aware dicts that mix valid and bad values.
"""

from __future__ import annotations

from typing import Any, get_args

import cv2
import numpy as np
from hypothesis import strategies as st

from proctor.shapes.schemas import EventType
from tests.server_fixtures import now_ms

KNOWN_EVENTS = ("join", "frame", "event", "chat", "snapshot", "signal", "calibrate", "audio")
# Names the client library keeps for itself: they never reach the server as messages.
RESERVED = {"connect", "disconnect", "connect_error"}
EVENT_TYPES = get_args(EventType)


def small_jpeg() -> bytes:
    ok, data = cv2.imencode(".jpg", np.full((48, 64, 3), 90, np.uint8))
    assert ok
    return bytes(data.tobytes())


def nested(depth: int) -> Any:
    value: Any = "bottom"
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.binary(max_size=64)
)
json_like = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=16,
)
hostile = (
    json_like
    | st.integers(min_value=1, max_value=300_000).map(lambda n: "x" * n)
    | st.integers(min_value=1, max_value=300_000).map(lambda n: b"\xff" * n)
    | st.integers(min_value=50, max_value=400).map(nested)
    | st.sampled_from(["", " ", "\x00", "../../etc/passwd", "<script>alert(1)</script>", "🙂" * 50])
    | st.sampled_from([10**400, -(10**400), 2**63, -(2**63) - 1, 1e308, -0.0])
)


def fields(session_id: str, other_session_id: str) -> dict[str, st.SearchStrategy[Any]]:
    """Every payload key the server reads, each with good and bad values."""
    # Mostly the sender's own session, so the checks past the session id are reached.
    ids = st.one_of(st.just(session_id), st.just(session_id), st.just(other_session_id), hostile)
    image = st.sampled_from([small_jpeg(), b"\xff\xd8\xff" + b"\x00" * 40, b"\x89PNG\r\n\x1a\n"])
    return {
        "session_id": ids,
        "role": st.sampled_from(["candidate", "interviewer", "admin"]) | hostile,
        "name": st.text(max_size=60) | hostile,
        "message": st.text(min_size=1, max_size=200) | hostile,
        "type": st.sampled_from(EVENT_TYPES) | hostile,
        "detail": st.text(max_size=100) | hostile,
        "client_id": st.text(min_size=1, max_size=20) | hostile,
        "ts": st.floats(min_value=0, max_value=4e12) | hostile,
        "image": image | hostile,
        "request_id": st.text(max_size=20) | hostile,
        "data": st.dictionaries(st.text(max_size=8), json_like, max_size=3) | hostile,
        "seq": st.integers(min_value=-3, max_value=20) | hostile,
    }


def valid(name: str, session_id: str, role: str) -> dict[str, Any]:
    """A payload the server accepts for message ``name`` from ``role``."""
    by_name: dict[str, dict[str, Any]] = {
        "join": {"session_id": session_id, "role": role, "name": "Ada"},
        "frame": {"session_id": session_id, "image": small_jpeg(), "ts": now_ms()},
        "event": {"session_id": session_id, "type": "focus_lost", "detail": "tab"},
        "chat": {"session_id": session_id, "message": "hello"},
        "snapshot": {"session_id": session_id},
        "signal": {"session_id": session_id, "data": {"type": "offer", "sdp": "v=0"}},
        "calibrate": {"session_id": session_id},
        "audio": {"session_id": session_id, "data": b"\x1a\x45\xdf\xa3\x80", "seq": 0},
    }
    return by_name.get(name, {"session_id": session_id})


def payloads(
    name: str, role: str, session_id: str, other_session_id: str
) -> st.SearchStrategy[Any]:
    """A payload for message ``name``: a valid one with a few fields spoiled, extra keys or
    missing ones; any object of the known keys; or anything at all."""
    options = fields(session_id, other_session_id)
    base = valid(name, session_id, role)
    spoiled = st.fixed_dictionaries({}, optional=options).flatmap(
        lambda bad: st.sets(st.sampled_from(sorted(base)), max_size=len(base)).map(
            lambda dropped: {k: v for k, v in {**base, **bad}.items() if k not in dropped}
        )
    )
    extra = st.dictionaries(st.text(max_size=10), json_like, max_size=3)
    with_extra = st.tuples(spoiled, extra).map(lambda pair: {**pair[1], **pair[0]})
    anything = st.fixed_dictionaries({}, optional=options)
    return st.one_of(st.just(base), spoiled, spoiled, with_extra, anything, hostile)


unknown_names = st.text(min_size=1, max_size=30).filter(
    lambda name: name not in RESERVED and name not in KNOWN_EVENTS
)
# Known names most of the time, each about as often as an unknown one.
event_names = st.one_of(*(st.just(name) for name in KNOWN_EVENTS), unknown_names)
