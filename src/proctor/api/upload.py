"""Streaming multipart upload: the file part goes to disk block by block, its size checked as
it arrives, so no upload is ever held whole in memory. A client that goes away mid-body is an
ordinary outcome (``Interrupted``), not an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import anyio
from fastapi import HTTPException, Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect

FLUSH_BYTES = 1 << 20  # write to disk (in a thread) once this much is buffered
MAX_FIELD_BYTES = 1024
MAX_PARTS = 16  # a form has a few fields: a body of thousands of tiny parts is refused early
HEAD_BYTES = 64


@dataclass
class Received:
    fields: dict[str, str] = field(default_factory=dict)
    file_field: str | None = None
    size: int = 0
    head: bytes = b""
    repeated: str | None = None  # a field given more than once


class Interrupted(Exception):
    """The client went away before the whole body arrived; nothing of it is kept. ``fields``:
    the form fields that had arrived by then."""

    def __init__(self, received: int, fields: dict[str, str] | None = None) -> None:
        super().__init__(f"the client went away after {received} bytes")
        self.received = received
        self.fields = fields or {}


class _Parts:
    """Callbacks of the multipart parser: collects small fields, streams the file part."""

    def __init__(self, out: IO[bytes], file_field: str, limit: int) -> None:
        self.out, self.file_field, self.limit = out, file_field, limit
        self.result = Received()
        self.buffer = bytearray()
        self._header_name = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._name: str | None = None
        self._is_file = False
        self._value = bytearray()
        self.too_large = False
        self.parts = 0

    def on_part_begin(self) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise HTTPException(422, f"more than {MAX_PARTS} form fields")
        self._headers, self._name, self._is_file, self._value = {}, None, False, bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[self._header_name.lower()] = self._header_value
        self._header_name, self._header_value = b"", b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        # The client's file name is never used: only whether this part is the file.
        self._is_file = self._name == self.file_field and b"filename" in options
        if self._is_file:
            if self.result.file_field is not None:
                raise HTTPException(400, f"more than one {self.file_field!r} part")
            self.result.file_field = self._name

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self._is_file:
            self.result.size += len(chunk)
            if self.result.size > self.limit:
                self.too_large = True
                return
            if len(self.result.head) < HEAD_BYTES:
                self.result.head += chunk[: HEAD_BYTES - len(self.result.head)]
            self.buffer += chunk
        else:
            self._value += chunk
            if len(self._value) > MAX_FIELD_BYTES:
                raise HTTPException(400, f"form field {self._name!r} is too long")

    def on_part_end(self) -> None:
        if not self._is_file and self._name:
            if self._name in self.result.fields:
                self.result.repeated = self._name
            self.result.fields[self._name] = self._value.decode("utf-8", "replace")


async def receive_file(request: Request, target: Path, *, file_field: str, limit: int) -> Received:
    """Parse a multipart body, writing the ``file_field`` part to ``target``.

    413 as soon as the file passes ``limit``; 415 for a body that is not multipart, 400 for one
    that is malformed; ``Interrupted`` when the client goes away first.
    """
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise HTTPException(415, "expected multipart/form-data with a boundary")
    with target.open("wb") as out:
        parts = _Parts(out, file_field, limit)
        callbacks = {
            name: getattr(parts, name)
            for name in (
                "on_part_begin",
                "on_part_data",
                "on_part_end",
                "on_header_field",
                "on_header_value",
                "on_header_end",
                "on_headers_finished",
            )
        }
        parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]
        received = 0
        try:
            async for block in request.stream():
                received += len(block)
                parser.write(block)
                if parts.too_large:
                    raise HTTPException(413, f"upload too large (limit {limit} bytes)")
                if len(parts.buffer) >= FLUSH_BYTES:
                    await _flush(parts)
            parser.finalize()
        except MultipartParseError as exc:
            raise HTTPException(400, f"malformed multipart body: {exc}") from None
        except ClientDisconnect:
            raise Interrupted(received, parts.result.fields) from None
        await _flush(parts)
    return parts.result


async def _flush(parts: _Parts) -> None:
    data, parts.buffer = bytes(parts.buffer), bytearray()
    if data:
        await anyio.to_thread.run_sync(parts.out.write, data)


async def receive_body(request: Request, target: Path, *, limit: int) -> tuple[int, bytes]:
    """Stream a raw request body to ``target``; returns its size and first bytes. 413 past
    ``limit`` (at once when ``Content-Length`` says so); ``Interrupted`` when the client goes
    away first."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"chunk too large (limit {limit} bytes)")
    size, head, buffer = 0, b"", bytearray()
    with target.open("wb") as out:
        try:
            async for block in request.stream():
                size += len(block)
                if size > limit:
                    raise HTTPException(413, f"chunk too large (limit {limit} bytes)")
                if len(head) < HEAD_BYTES:
                    head += block[: HEAD_BYTES - len(head)]
                buffer += block
                if len(buffer) >= FLUSH_BYTES:
                    data, buffer = bytes(buffer), bytearray()
                    await anyio.to_thread.run_sync(out.write, data)
        except ClientDisconnect:
            raise Interrupted(size) from None
        if buffer:
            await anyio.to_thread.run_sync(out.write, bytes(buffer))
    return size, head
