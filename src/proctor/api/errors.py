"""Error answers as the OpenAPI schema shows them: every 4xx body is ``{"detail": "..."}``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorOut(BaseModel):
    """What is wrong, in a sentence."""

    detail: str


MEANINGS: dict[int, str] = {
    400: "Malformed request body",
    401: "Missing or unknown token",
    403: "The token does not give access to this session or action",
    404: "Not found",
    409: "Conflicts with the session's state",
    413: "Too large",
    415: "Unsupported content type",
    416: "Range not satisfiable",
    422: "Invalid input",
    429: "Too many requests: slow down and try again",
    503: "A part of the server this needs is off or unavailable",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` entry of a route for the error codes it may answer."""
    return {code: {"model": ErrorOut, "description": MEANINGS[code]} for code in codes}


# The codes every route behind a session token may answer.
AUTH = (401, 403, 422)
