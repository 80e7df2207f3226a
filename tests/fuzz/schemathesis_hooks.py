"""What the schemathesis runs of test_openapi.py are told beyond the OpenAPI description, loaded
by the ``st`` command through ``SCHEMATHESIS_HOOKS``; the run's config file aims most cases at
sessions of the run (dictionaries for ``session_id``).

- What a recording's bytes look like: the description names the media types a recording may
  have (``video/webm``, ``video/mp4``) and the server checks a file's first bytes, so valid
  data of those types starts as a WebM or MP4 file does (schemathesis knows images, not videos).
- What an ``apprise-url`` is (a format the description names for a session's alert addresses):
  an address Apprise can send to, in a scheme the server allows (mailto by default).
- Who calls: every request carries a token as configured authentication (so schemathesis also
  checks that the server refuses it without one): the token of the session the case names,
  when the run has it (``PROCTOR_FUZZ_TOKENS``, JSON), else the run's (``PROCTOR_FUZZ_TOKEN``).
- Two kinds of report that blame a request, not the server, dropped as narrowly as they can be:
  - "valid data refused" for an upload whose file, as sent, is no WebM or MP4 at all: the
    description says the file must be one (its media types), which no JSON Schema keyword can
    check, so schemathesis also sends images and random bytes as valid (the server: 415).
  - "invalid data accepted" for a multipart body in which schemathesis found nothing invalid
    (its own description of the case: a positive test case): once a value is written into such
    a body (the stateful phase does), schemathesis counts any body holding a file as invalid.
"""

from __future__ import annotations

import json
import os
from typing import Any

import schemathesis
from hypothesis import strategies as st
from schemathesis.core.failures import AcceptedNegativeData
from schemathesis.openapi.checks import RejectedPositiveData

WEBM_HEAD = b"\x1a\x45\xdf\xa3"
MP4_HEAD = b"\x00\x00\x00\x18ftypisom"
TOKEN = os.environ.get("PROCTOR_FUZZ_TOKEN", "")
TOKENS: dict[str, str] = json.loads(os.environ.get("PROCTOR_FUZZ_TOKENS", "{}"))

schemathesis.openapi.media_type("video/webm", st.binary(max_size=256).map(WEBM_HEAD.__add__))
schemathesis.openapi.media_type("video/mp4", st.binary(max_size=256).map(MP4_HEAD.__add__))
schemathesis.openapi.format(
    "apprise-url",
    st.builds(
        "{}://{}@example.org".format,
        st.sampled_from(["mailto", "mailtos"]),
        st.from_regex(r"[a-z][a-z0-9.]{0,30}", fullmatch=True),
    ),
)


@schemathesis.auth()
class SessionToken:
    def get(self, case: Any, context: Any) -> str:
        return TOKEN

    def set(self, case: Any, data: str, context: Any) -> None:
        session_id = (case.path_parameters or {}).get("session_id")
        token = TOKENS.get(session_id, data) if isinstance(session_id, str) else data
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}


def _fields(case: Any) -> dict[str, Any] | None:
    body = getattr(case.body, "body", case.body)  # a multipart body wraps its fields
    return body if isinstance(body, dict) else None


def _bytes(value: Any) -> bytes | None:
    value = getattr(value, "data", value)  # schemathesis wraps binary values
    return value if isinstance(value, bytes) else None


@schemathesis.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    """False drops the failure (see the module's description)."""
    fields = _fields(case)
    if fields is None:
        return True
    if isinstance(failure, RejectedPositiveData) and response.status_code == 415:
        data = _bytes(fields.get("file"))
        # Kept when the file was a video after all: then the 415 is the server's fault
        return data is None or data[:4] == WEBM_HEAD or data[4:8] == b"ftyp"
    if isinstance(failure, AcceptedNegativeData):
        described = case.meta.phase.data.description if case.meta is not None else None
        holds_file = any(_bytes(value) is not None for value in fields.values())
        return not (holds_file and (described or "").lower() == "positive test case")
    return True
