"""The Engine.IO server under the Socket.IO one: strict about the packets a client sends, and
able to close a connection for real.

python-engineio (4.15) needs help on both counts:

- It ignores a packet type it does not know (``"9xyz"``, an ``OPEN`` from the client), and one
  it cannot decode (``""``, ``"x"``) escapes its WebSocket loop as a traceback, leaving the
  socket open until the ping timeout.
- ``disconnect()`` only queues a CLOSE packet. engine.io-client reads CLOSE on long-polling
  alone; on a WebSocket it waits for the WebSocket to close, which python-engineio does only
  when its writer gives up, after ping interval + ping timeout (45 s).

Here every packet is checked before python-engineio decodes it, and a broken one closes the
connection at once; :meth:`GuardedEngine.close_transport` closes the WebSocket itself (or ends
the pending long-poll with CLOSE), so the client sees ``disconnect`` at once and reconnects.
"""

from __future__ import annotations

import binascii
import logging
import urllib.parse
from collections.abc import Awaitable, Callable
from typing import Any

import engineio
from engineio import exceptions
from engineio.async_drivers.asgi import WebSocket
from engineio.payload import Payload

log = logging.getLogger(__name__)

# What an Engine.IO 4 client may send, by packet type: CLOSE, PING (only the "probe" of a
# transport upgrade), PONG, MESSAGE (any text), UPGRADE. OPEN and NOOP come from the server only.
_CLIENT_PACKETS: dict[str, Callable[[str], bool]] = {
    "1": lambda data: data == "",
    "2": lambda data: data == "probe",
    "3": lambda data: data == "",
    "4": lambda data: True,
    "5": lambda data: data == "",
}


def packet_problem(encoded: str | bytes) -> str | None:
    """Why ``encoded`` is not an Engine.IO packet a client may send, or None."""
    if isinstance(encoded, bytes):
        return None  # a binary message
    if not encoded:
        return "an empty packet"
    kind, data = encoded[0], encoded[1:]
    if kind == "b":  # a binary message in base64 (long-polling)
        try:
            binascii.a2b_base64(data, strict_mode=True)
        except binascii.Error:
            return "a binary message that is not base64"
        return None
    allowed = _CLIENT_PACKETS.get(kind)
    if allowed is None:
        return f"unknown packet type {kind[:1]!r}"
    if not allowed(data):
        return f"unexpected data in a packet of type {kind}"
    return None


def _is_binary(encoded: str | bytes) -> bool:
    return isinstance(encoded, bytes) or encoded[:1] == "b"


class GuardedEngine(engineio.AsyncServer):  # type: ignore[misc]
    """An ASGI Engine.IO server that closes a connection on any packet breaking the protocol."""

    _async: dict[str, Any]  # python-engineio's driver table for the async mode

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Connections whose next packets must be binary attachments (kept by the Socket.IO
        # server, which knows how many are due): anything else breaks the protocol.
        self.awaiting_binary: set[str] = set()
        # The driver table is the module's own: change a copy.
        drivers = self._async
        translate: Callable[..., Awaitable[dict[str, Any]]] = drivers["translate_request"]

        async def translate_request(*args: Any) -> dict[str, Any]:
            environ = await translate(*args)
            if environ.get("REQUEST_METHOD") == "POST":
                environ["wsgi.input"] = _CheckedBody(self, environ)
            return environ

        self._async = {
            **drivers,
            "websocket": _CheckedWebSocket,
            "translate_request": translate_request,
        }

    def problem(self, sid: str, encoded: str | bytes) -> str | None:
        """Why the next packet of connection ``sid`` breaks the protocol, or None."""
        if sid in self.awaiting_binary and not _is_binary(encoded):
            return "a packet came before the binary attachments announced"
        return packet_problem(encoded)

    async def close_transport(self, sid: str, why: str) -> None:
        """Close connection ``sid`` at the transport level: the disconnect handlers run, a
        WebSocket is closed after a CLOSE packet, a pending long-poll is answered with CLOSE."""
        socket = self.sockets.get(sid)
        if socket is None or socket.closed or socket.closing:
            return
        log.warning("closing a connection that broke the protocol: %.200s", why)
        self.awaiting_binary.discard(sid)
        await socket.close(wait=False, reason=self.reason.SERVER_DISCONNECT)
        # The WebSocket writer stops at None and closes the WebSocket (without it, it would wait
        # for packets until the ping timeout); a long-poll gets the CLOSE queued before it.
        socket.queue.put_nowait(None)


class _CheckedWebSocket(WebSocket):  # type: ignore[misc]
    """python-engineio's ASGI WebSocket, checking each packet before python-engineio reads it."""

    def __init__(self, handler: Any, server: GuardedEngine) -> None:
        super().__init__(handler, server)
        self.engine = server
        self.socket = handler.__self__  # the handler is a method of the Engine.IO socket

    async def wait(self) -> str | bytes:
        if self.socket.closed:
            raise OSError("the connection is closed")  # ends python-engineio's reading loop
        encoded: str | bytes = await super().wait()
        problem = self.engine.problem(self.socket.sid, encoded)
        if problem is not None:
            await self.engine.close_transport(self.socket.sid, problem)
            raise OSError(problem)
        return encoded


class _CheckedBody:
    """The body of a long-polling POST, checked packet by packet once read."""

    def __init__(self, engine: GuardedEngine, environ: dict[str, Any]) -> None:
        self.engine = engine
        self.body = environ["wsgi.input"]
        query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
        self.sid = query.get("sid", [""])[0]

    async def read(self, length: int | None = None) -> bytes:
        body: bytes = await self.body.read(length)
        if self.sid in self.engine.sockets:
            problem = self._problem(body)
            if problem is not None:
                await self.engine.close_transport(self.sid, problem)
                # python-engineio answers 400 and forgets the connection.
                raise exceptions.UnknownPacketError(problem)
        return body

    def _problem(self, body: bytes) -> str | None:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return "a long-polling payload that is not UTF-8"
        if not text:
            return None
        if text.startswith("d="):  # JSONP, as python-engineio reads it
            text = urllib.parse.parse_qs(text).get("d", [""])[0]
        packets = text.split("\x1e")
        if len(packets) > Payload.max_decode_packets:
            return "too many packets in a long-polling payload"
        for encoded in packets:
            problem = self.engine.problem(self.sid, encoded)
            if problem is not None:
                return problem
        return None
