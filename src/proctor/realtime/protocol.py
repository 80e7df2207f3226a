"""A Socket.IO server hardened against malformed packets.

A message that does not decode (broken JSON, nested too deep, numbers too long, not a list)
still gets an error ack when its id can be read, and the connection stays. Any other packet that
breaks the protocol closes the connection at the transport level (see ``engine``), so the client
sees ``disconnect`` at once and reconnects: a packet of an unknown type or one a client never
sends, broken JSON without an id, attachment placeholders pointing nowhere, a binary packet
without attachments, stray binary data, and anything sent while a binary packet's attachments
are due. Nothing there can be acknowledged, and a hostile client can neither fill the logs with
tracebacks nor hold a packet open with endless attachments.

Attachments not sent at all: a second after a binary packet, while its attachments are still
due, the server pings. A client sends in order, so its answer arriving before the attachments
means they were never sent, and the connection closes; a slow upload is not cut, its answer
comes after them.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import socketio
from engineio import packet as eio_packet
from socketio import packet

from proctor.realtime.engine import GuardedEngine

# The app's messages carry one binary value (a frame or a snapshot); a few more are tolerated,
# and all of a packet's attachments together must fit the size limit of one message.
MAX_ATTACHMENTS = 64
# How long attachments may be due before the server checks whether they were sent at all.
ATTACHMENT_PROBE_S = 1.0
BROKEN = (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError)
# An event packet: type 2 (text) or 5 with its attachment count, then an optional
# "/namespace," and the ack id.
_EVENT_HEAD = re.compile(r"(?:2|5(\d{1,2})-)(/[^,]{0,100},)?(\d{1,15})")


class StrictPacket(packet.Packet):  # type: ignore[misc]
    """A Socket.IO packet whose attachment placeholders must each name an attachment that came
    (python-socketio takes ``num: -1`` as the last one, and ``true`` as 1)."""

    @classmethod
    def reconstruct_binary(cls, data: Any, attachments: list[bytes]) -> Any:
        return _reconstruct(data, attachments)


def _reconstruct(data: Any, attachments: list[bytes]) -> Any:
    if isinstance(data, list):
        return [_reconstruct(item, attachments) for item in data]
    if isinstance(data, dict):
        if data.get("_placeholder") is True:  # as socket.io-parser reads it
            num = data.get("num")
            if type(num) is not int or not 0 <= num < len(attachments):
                raise ValueError("an attachment placeholder that names no attachment")
            return attachments[num]
        return {key: _reconstruct(value, attachments) for key, value in data.items()}
    return data


class GuardedServer(socketio.AsyncServer):  # type: ignore[misc]
    eio: GuardedEngine

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("serializer", StrictPacket)
        super().__init__(*args, **kwargs)
        # Attachments still to come of a binary event already refused, per connection.
        self._skip: dict[str, int] = {}
        # The check for attachments never sent, per connection whose attachments are due.
        self._probes: dict[str, asyncio.TimerHandle] = {}

    def _engineio_server_class(self) -> type[GuardedEngine]:
        return GuardedEngine

    async def _handle_eio_message(self, eio_sid: str, data: Any) -> None:
        socket = self.eio.sockets.get(eio_sid)
        if socket is None or socket.closed:
            return  # closed for breaking the protocol: what was still on its way is dropped
        pending = self._binary_packet.get(eio_sid)
        skipping = self._skip.get(eio_sid, 0)
        try:
            if (pending is not None or skipping) and not isinstance(data, bytes):
                raise ValueError("a text message came where a binary attachment was due")
            if skipping:
                self._skip[eio_sid] = skipping - 1
            else:
                if pending is None and isinstance(data, str):
                    _check_head(data)
                if pending is not None:
                    held = sum(len(a) for a in pending.attachments) + len(data)
                    if held > self.eio.max_http_buffer_size:
                        raise ValueError("binary attachments larger than one message may be")
                await super()._handle_eio_message(eio_sid, data)
        except BROKEN as exc:
            refusable = pending is None and not skipping
            if not (refusable and await self._refuse_event(eio_sid, data, exc)):
                self._binary_packet.pop(eio_sid, None)
                self._forget(eio_sid)
                await self.eio.close_transport(eio_sid, f"Socket.IO: {exc}")
                return
        self._await_attachments(eio_sid)

    async def _handle_eio_disconnect(self, eio_sid: str, *args: Any) -> None:
        self._forget(eio_sid)
        await super()._handle_eio_disconnect(eio_sid, *args)

    def _await_attachments(self, eio_sid: str) -> None:
        """Tell the engine whether binary attachments are due on ``eio_sid``; when they just
        became due, check on them in a while."""
        if eio_sid not in self._binary_packet and not self._skip.get(eio_sid):
            self._forget(eio_sid)
        elif eio_sid not in self._probes:
            self.eio.awaiting_binary.add(eio_sid)
            loop = asyncio.get_running_loop()
            self._probes[eio_sid] = loop.call_later(ATTACHMENT_PROBE_S, self._probe, eio_sid)

    def _probe(self, eio_sid: str) -> None:
        """Ping a client whose attachments are still due: an answer before them breaks the
        protocol (``GuardedEngine.problem``)."""
        self._probes.pop(eio_sid, None)
        socket = self.eio.sockets.get(eio_sid)
        if socket is not None and not socket.closing and eio_sid in self.eio.awaiting_binary:
            socket.queue.put_nowait(eio_packet.Packet(eio_packet.PING))

    def _forget(self, eio_sid: str) -> None:
        self._skip.pop(eio_sid, None)
        self.eio.awaiting_binary.discard(eio_sid)
        probe = self._probes.pop(eio_sid, None)
        if probe is not None:
            probe.cancel()

    async def _refuse_event(self, eio_sid: str, data: Any, exc: BaseException) -> bool:
        """Answer an undecodable event with an error ack (its attachments, if any, are then
        skipped); False when it has no id to answer."""
        head = _EVENT_HEAD.match(data) if isinstance(data, str) else None
        if head is None:
            return False
        attachments, namespace, ack_id = head[1], head[2][:-1] if head[2] else "/", head[3]
        if self.manager.sid_from_eio_sid(eio_sid, namespace) is None:
            return False
        if attachments and int(attachments):
            self._skip[eio_sid] = int(attachments)
        reason = "too deeply nested" if isinstance(exc, RecursionError) else str(exc)[:100]
        ack = {"ok": False, "error": f"the message is malformed: {reason}"}
        await self._send_packet(
            eio_sid,
            self.packet_class(packet.ACK, namespace=namespace, data=[ack], id=int(ack_id)),
        )
        return True


def _check_head(encoded: str) -> None:
    """Refuse a binary packet (``5N-...``/``6N-...``) announcing no attachment, or too many."""
    if encoded[:1] not in ("5", "6"):
        return
    dash = encoded.find("-", 1, 24)
    digits = encoded[1:dash] if dash > 0 else ""
    count = int(digits) if digits.isdigit() else 0
    if count == 0:
        raise ValueError("a binary packet without attachments")
    if count > MAX_ATTACHMENTS:
        raise ValueError(f"more than {MAX_ATTACHMENTS} binary attachments")
