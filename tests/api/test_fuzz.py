"""Generated requests from the OpenAPI schema: whatever arrives, the answer is never a 5xx."""

from __future__ import annotations

import zlib
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.server_fixtures import LiveServer, bearer, start_session

EXAMPLES = 25


def test_no_request_gets_a_server_error(server: LiveServer, http: httpx.Client) -> None:
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    session = start_session(http, "Fuzz")
    tokens = (session["interviewer_token"], session["candidate_token"])
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 15

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            salt = zlib.crc32(repr(case.body).encode() + repr(case.query).encode())
            # Half the cases aim at the real session, so checks past the token are reached.
            if case.path_parameters and "session_id" in case.path_parameters and salt % 2:
                case.path_parameters["session_id"] = session["session_id"]
            response = case.call(base_url=server.url, headers=bearer(tokens[salt // 2 % 2]))
            case.validate_response(response, checks=[not_a_server_error])

        check()
    assert http.get("/healthz").status_code == 200
