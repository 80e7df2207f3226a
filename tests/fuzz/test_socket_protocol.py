"""Raw Socket.IO packets that break the protocol, sent over a plain WebSocket: an error ack when
the message has an id to answer, else the connection closes; the server goes on serving.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import websockets

from tests.server_fixtures import LiveServer, start_session

CLOSED = "closed"


class Raw:
    """A Socket.IO client written by hand, packet by packet."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws

    @classmethod
    async def join(cls, url: str, token: str, session_id: str) -> Raw:
        ws = await websockets.connect(
            url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket", max_size=None
        )
        raw = cls(ws)
        assert str(await ws.recv()).startswith("0")
        await ws.send("40" + json.dumps({"token": token}))
        assert str(await ws.recv()).startswith("40")
        join = ["join", {"session_id": session_id, "role": "candidate"}]
        assert (await raw.call([f"4299{json.dumps(join)}"], 99))["ok"]
        return raw

    async def call(self, packets: list[str | bytes], ack_id: int) -> Any:
        """Send ``packets``; the ack ``ack_id``, or CLOSED once the server closes."""
        for p in packets:
            await self.ws.send(p)
        wanted = f"43{ack_id}["
        try:
            while True:
                message = await asyncio.wait_for(self.ws.recv(), 15)
                if message == "2":  # the server's ping
                    await self.ws.send("3")
                elif message in ("1", "41"):  # Engine.IO close, Socket.IO disconnect
                    return CLOSED
                elif isinstance(message, str) and message.startswith(wanted):
                    return json.loads(message[len(wanted) - 1 :])[0]
        except websockets.ConnectionClosed:
            return CLOSED


async def test_broken_packets_get_an_error_ack_or_a_closed_connection(
    server: LiveServer, http: httpx.Client
) -> None:
    s = start_session(http)
    sid, token = s["session_id"], s["candidate_token"]
    raw = await Raw.join(server.url, token, sid)
    answered = {
        "deep nesting": ("421" + "[" * 5000 + "]" * 5000, 1),
        "broken JSON": ('422["chat", {', 2),
        "a number too long": (f'423["chat",{{"session_id":"{sid}","message":1{"0" * 200}}}]', 3),
        "not a list": ('424{"chat": 1}', 4),
        "an empty list": ("425[]", 5),
        "too many attachments": ('4599-6["chat",{}]', 6),  # refused, its attachments skipped
    }
    for what, (packet, ack_id) in answered.items():
        ack = await raw.call([packet], ack_id)
        assert ack != CLOSED and ack["ok"] is False, what
        assert ack["error"].startswith("the message is malformed"), (what, ack)
    # The refused packet's attachment is skipped, and the connection goes on.
    chat = ["chat", {"session_id": sid, "message": "still here"}]
    assert (await raw.call([b"\x00" * 10, f"427{json.dumps(chat)}"], 7))["ok"]
    ack = await raw.call(["428[5,{}]"], 8)
    assert ack == {"ok": False, "error": "unknown message type: '5'"}

    closing: dict[str, list[str | bytes]] = {
        "placeholder pointing nowhere": [
            '451-["frame",{"image":{"_placeholder":true,"num":7}}]',
            b"\xff\xd8\xff",
        ],
        "placeholder of the wrong type": [
            '451-["frame",{"image":{"_placeholder":true,"num":"x"}}]',
            b"\xff\xd8\xff",
        ],
        "unknown packet type": ["49junk"],
        "binary out of the blue": [b"\x00\x01\x02"],
        "attachments beyond any count": ['45999999999-["frame",{}]'],
    }
    for what, packets in closing.items():
        raw = await Raw.join(server.url, token, sid)
        ack = await raw.call(packets, 1)
        assert ack == CLOSED, (what, ack)

    # Others were never disturbed, and the closed client may simply come back.
    again = await Raw.join(server.url, token, sid)
    chat = ["chat", {"session_id": sid, "message": "back again"}]
    assert (await again.call([f"429{json.dumps(chat)}"], 9))["ok"]
    await again.ws.close()
    assert http.get("/healthz").status_code == 200
