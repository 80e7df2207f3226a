"""Generated requests from the OpenAPI schema, with and without valid tokens: whatever arrives,
the answer is never a 5xx, and its status, content type and body are those the schema shows.
"""

from __future__ import annotations

import zlib
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.server_fixtures import LiveServer, bearer, start_session

EXAMPLES = 10  # per operation and caller
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
WEBM = b"\x1a\x45\xdf\xa3" + bytes(range(256)) * 8


def seeded_session(http: httpx.Client) -> dict[str, Any]:
    """A session with an event and a recording, so the reads find something."""
    s = start_session(http, "Fuzz")
    cand = bearer(s["candidate_token"])
    r = http.post("/log", json={"session_id": s["session_id"], "type": "focus_lost"}, headers=cand)
    assert r.status_code == 201, r.text
    r = http.post(
        "/upload-video",
        data={"session_id": s["session_id"]},
        files={"file": ("r.webm", WEBM, "video/webm")},
        headers=cand,
    )
    assert r.status_code == 201, r.text
    return s


def fuzz(url: str, operation: Any, s: dict[str, Any], token: str | None, seen: set[int]) -> None:
    """Generated cases of one operation, sent with ``token`` (None: without one)."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        # Most cases aim at the real session, so the checks past the token are reached; the
        # choice follows from the case, so a failing one replays the same way.
        salt = zlib.crc32(repr((case.path_parameters, case.query, case.body)).encode())
        if salt % 4:
            if case.path_parameters and "session_id" in case.path_parameters:
                case.path_parameters["session_id"] = s["session_id"]
            if isinstance(case.body, dict) and "session_id" in case.body:
                case.body["session_id"] = s["session_id"]
        headers = bearer(token) if token is not None else {}
        response = case.call(base_url=url, headers=headers)
        seen.add(response.status_code)
        case.validate_response(response, checks=CHECKS)

    check()


def test_no_request_gets_a_server_error_or_an_undocumented_answer(
    server: LiveServer, http: httpx.Client
) -> None:
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 16
    other = start_session(http, "Other")
    seen: dict[str, set[int]] = {}
    for operation in operations:
        # A session per operation: ending or deleting one leaves the others' sessions alone.
        s = seeded_session(http)
        if operation.method.upper() == "DELETE":
            http.post(f"/sessions/{s['session_id']}/end", headers=bearer(s["interviewer_token"]))
        callers = (
            s["interviewer_token"],
            s["candidate_token"],
            other["interviewer_token"],
            "x" * 43,  # a token that is no one's
            None,
        )
        for token in callers:
            fuzz(server.url, operation, s, token, seen.setdefault(operation.label, set()))
    assert http.get("/healthz").status_code == 200
    # The tokens took the requests past authentication into the handlers, and refusals came.
    statuses = set().union(*seen.values())
    assert {200, 201, 401, 403, 422} <= statuses, seen
    reached = [label for label, codes in seen.items() if codes & {200, 201, 202, 204, 206}]
    assert len(reached) >= 12, seen
