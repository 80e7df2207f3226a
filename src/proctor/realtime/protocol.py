"""A Socket.IO server hardened against malformed packets.

A message that does not decode (broken JSON, nested too deep, numbers too long, not a list)
still gets an error ack when its id can be read, and the connection stays. Any other broken
packet (attachment placeholders pointing nowhere, unknown packet types, stray binary data) closes
the connection: nothing can be acknowledged, and a hostile client can neither fill the logs with
tracebacks nor hold a packet open with endless attachments.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import socketio
from socketio import packet

log = logging.getLogger(__name__)

# The app's messages carry one binary value (a frame or a snapshot); a few more are tolerated,
# and all of a packet's attachments together must fit the size limit of one message.
MAX_ATTACHMENTS = 64
BROKEN = (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError)
# An event packet: type 2 (text) or 5 with its attachment count, then an optional
# "/namespace," and the ack id.
_EVENT_HEAD = re.compile(r"(?:2|5(\d{1,2})-)(/[^,]{0,100},)?(\d{1,15})")


class GuardedServer(socketio.AsyncServer):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Attachments still to come of a binary event already refused, per connection.
        self._skip: dict[str, int] = {}

    async def _handle_eio_message(self, eio_sid: str, data: Any) -> None:
        pending = self._binary_packet.get(eio_sid)
        if pending is None and isinstance(data, bytes) and self._skip.get(eio_sid):
            self._skip[eio_sid] -= 1
            return
        self._skip.pop(eio_sid, None)
        try:
            if pending is None and isinstance(data, str) and _attachments(data) > MAX_ATTACHMENTS:
                raise ValueError(f"more than {MAX_ATTACHMENTS} binary attachments")
            if pending is not None:
                held = sum(len(a) for a in pending.attachments) + len(data)
                if held > self.eio.max_http_buffer_size:
                    raise ValueError("binary attachments larger than one message may be")
            await super()._handle_eio_message(eio_sid, data)
        except BROKEN as exc:
            if pending is None and await self._refuse_event(eio_sid, data, exc):
                return
            self._binary_packet.pop(eio_sid, None)
            log.warning("closing a connection that broke the Socket.IO protocol: %.200s", exc)
            await self.eio.disconnect(eio_sid)

    async def _handle_eio_disconnect(self, eio_sid: str, *args: Any) -> None:
        self._skip.pop(eio_sid, None)
        await super()._handle_eio_disconnect(eio_sid, *args)

    async def _refuse_event(self, eio_sid: str, data: Any, exc: BaseException) -> bool:
        """Answer an undecodable event with an error ack (its attachments, if any, are then
        skipped); False when it has no id to answer."""
        head = _EVENT_HEAD.match(data) if isinstance(data, str) else None
        if head is None:
            return False
        attachments, namespace, ack_id = head[1], head[2][:-1] if head[2] else "/", head[3]
        if self.manager.sid_from_eio_sid(eio_sid, namespace) is None:
            return False
        if attachments:
            self._skip[eio_sid] = int(attachments)
        reason = "too deeply nested" if isinstance(exc, RecursionError) else str(exc)[:100]
        ack = {"ok": False, "error": f"the message is malformed: {reason}"}
        await self._send_packet(
            eio_sid,
            self.packet_class(packet.ACK, namespace=namespace, data=[ack], id=int(ack_id)),
        )
        return True


def _attachments(encoded: str) -> int:
    """The attachment count of an encoded binary packet (``5N-...``/``6N-...``), else 0."""
    if encoded[:1] not in ("5", "6"):
        return 0
    dash = encoded.find("-", 1, 24)
    digits = encoded[1:dash] if dash > 0 else ""
    return int(digits) if digits.isdigit() else 0
