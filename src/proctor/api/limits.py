"""Request body limits, one per route, enforced before the body is read.

A body is refused with 413 and a JSON reason as soon as it is known to be too large: at once
when its ``Content-Length`` says so (nothing of it is read, and no other work is done), else
as the bytes of a chunked body arrive. JSON bodies are tiny, so their limits are kilobytes;
that also bounds the cost of parsing and validating them on the event loop.
"""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.datastructures import Headers
from starlette.types import Message, Receive, Scope, Send

from proctor.api.errors import ErrorOut

# Each limit is above the largest valid body of its routes, every character of its text escaped
# as JSON can (12 bytes for a character outside the BMP), so no valid body is ever refused.
# Routes that take no body (the web app sends `{}` to some; it is never read)
NO_BODY_BYTES = 1024
# A JSON body (`complete`: a few numbers and a date-time)
JSON_BODY_BYTES = 16 * 1024
# /log: a 2,000-character detail, a 200-character name and a 100-character client_id
LOG_BODY_BYTES = 64 * 1024
# /start-session: five alert URLs of 2,000 characters, a 200-character name, the settings
START_BODY_BYTES = 128 * 1024
# Room for a multipart upload's framing (boundaries, part headers, small fields) past its file
MULTIPART_SLACK = 64 * 1024


def too_large(limit: int) -> str:
    return f"request body too large: this route takes at most {limit} bytes"


class BoundedRoute(APIRoute):
    """An APIRoute whose request body has a size limit, answered 413 past it.

    ``max_body_size`` (bytes) sets it. Without one, a route with a JSON body takes
    ``JSON_BODY_BYTES``; an upload (a body the handler streams itself, declared in
    ``openapi_extra``) takes the server's ``max_video_bytes`` plus multipart framing, and its
    handler also checks the session's room as the bytes arrive; any other route
    ``NO_BODY_BYTES``. The 413 is documented in the route's OpenAPI answers.
    """

    def __init__(
        self, path: str, endpoint: Any, *, max_body_size: int | None = None, **kwargs: Any
    ) -> None:
        too_big = {
            "model": ErrorOut,
            "description": "Request body too large (the answer says the limit)",
        }
        kwargs["responses"] = {413: too_big, **(kwargs.get("responses") or {})}
        # FastAPI's own limit answers in plain text when a handler never reads the body: this
        # class enforces the limit itself, so FastAPI gets none.
        super().__init__(path, endpoint, **kwargs)
        if max_body_size is not None:
            self.body_limit: int | None = max_body_size
        elif "requestBody" in (self.openapi_extra or {}):
            self.body_limit = None  # an upload: the server's limit, read from its settings
        else:
            self.body_limit = JSON_BODY_BYTES if self.body_field is not None else NO_BODY_BYTES

    def limit_for(self, scope: Scope) -> int:
        if self.body_limit is not None:
            return self.body_limit
        max_video_bytes: int = scope["app"].state.ctx.settings.max_video_bytes
        return max_video_bytes + MULTIPART_SLACK

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in (self.methods or ()):
            await super().handle(scope, receive, send)  # 405, answered as Starlette does
            return
        limit = self.limit_for(scope)
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            response = JSONResponse({"detail": too_large(limit)}, status_code=413)
            await response(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(413, too_large(limit))
            return message

        await super().handle(scope, counted, send)
