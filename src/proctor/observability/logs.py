"""Logging setup: plain text or one JSON object per line, each naming the node and the session.

The session comes from ``extra={"session_id": ..}`` on the call, or else from the context
variable that Socket.IO handlers and the live analysis set for the session they work on.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

session_var: ContextVar[str | None] = ContextVar("proctor_session_id", default=None)

# Attributes every LogRecord has: the rest came in through ``extra`` and go into the JSON.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "node",
    "session_id",
    "color_message",  # uvicorn's coloured copy of the message
}
_HANDLER_NAME = "proctor"


def default_node_id() -> str:
    """Host, process id and a random suffix: unique even for a restarted container (pid 1)."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(2)}"


class ContextFilter(logging.Filter):
    """Puts ``node`` and ``session_id`` on every record."""

    def __init__(self, node_id: str) -> None:
        super().__init__()
        self.node_id = node_id

    def filter(self, record: logging.LogRecord) -> bool:
        record.node = self.node_id
        if getattr(record, "session_id", None) is None:
            record.session_id = session_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, node, session_id and extras."""

    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created, UTC)
        out: dict[str, Any] = {
            "time": when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "node": getattr(record, "node", None),
        }
        session_id = getattr(record, "session_id", None)
        if session_id is not None:
            out["session_id"] = session_id
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = value if isinstance(value, str | int | float | bool) else repr(value)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(node)s]%(session)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        session_id = getattr(record, "session_id", None)
        record.session = f" session={session_id}" if session_id else ""
        return super().format(record)


def configure(
    fmt: str = "text", level: str = "info", node_id: str = "", stream: TextIO | None = None
) -> None:
    """Route every logger (uvicorn's too) through one handler on stderr, replacing an earlier
    one installed here."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(ContextFilter(node_id or default_node_id()))
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
