"""Raw Engine.IO and Socket.IO packets that break the protocol, sent over a plain WebSocket and
over long-polling: an error ack when the message has an id to answer, else the connection
closes at the transport level within seconds (the WebSocket itself, not only a CLOSE packet,
which engine.io-client ignores on a WebSocket); the server goes on serving.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import websockets

from tests.fuzz.payloads import small_jpeg
from tests.server_fixtures import LiveServer, now_ms, start_session

CLOSED = "closed"
CLOSE_WITHIN_S = 5.0


class Raw:
    """A Socket.IO client written by hand, packet by packet, that answers the server's pings."""

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
        """Send ``packets``; the ack ``ack_id``, or CLOSED once the WebSocket closes."""
        for p in packets:
            await self.ws.send(p)
        wanted = f"43{ack_id}["
        try:
            while True:
                message = await asyncio.wait_for(self.ws.recv(), 15)
                if message == "2":  # the server's ping
                    await self.ws.send("3")
                elif isinstance(message, str) and message.startswith(wanted):
                    return json.loads(message[len(wanted) - 1 :])[0]
        except websockets.ConnectionClosed:
            return CLOSED

    async def closes(self, packets: list[str | bytes]) -> float:
        """Send ``packets``; the seconds until the server closed the WebSocket."""
        started = time.monotonic()
        ack = await self.call(packets, 999_999)
        assert ack == CLOSED, ack
        return time.monotonic() - started


def placeholder(num: Any) -> str:
    return "451-" + json.dumps(["frame", {"image": {"_placeholder": True, "num": num}}])


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
        "a binary packet without attachments": ('450-6["chat",{}]', 6),
    }
    for what, (packet, ack_id) in answered.items():
        ack = await raw.call([packet], ack_id)
        assert ack != CLOSED and ack["ok"] is False, what
        assert ack["error"].startswith("the message is malformed"), (what, ack)
    # Refused for too many attachments: the ones announced are skipped, the connection goes on.
    ack = await raw.call(['4599-7["chat",{}]', *[b"\x00" * 10] * 99], 7)
    assert ack["error"].startswith("the message is malformed: more than 64"), ack
    chat = ["chat", {"session_id": sid, "message": "still here"}]
    assert (await raw.call([f"428{json.dumps(chat)}"], 8))["ok"]
    ack = await raw.call(["429[5,{}]"], 9)
    assert ack == {"ok": False, "error": "unknown message type: '5'"}

    socket_io: dict[str, list[str | bytes]] = {
        "placeholder pointing nowhere": [placeholder(7), b"\xff\xd8\xff"],
        "placeholder of the wrong type": [placeholder("x"), b"\xff\xd8\xff"],
        "placeholder counting from the end": [placeholder(-1), b"\xff\xd8\xff"],
        "placeholder that is a boolean": [placeholder(True), b"\xff\xd8\xff"],
        "text where an attachment is due": [placeholder(0), f"42{json.dumps(chat)}"],
        "attachments never sent": [placeholder(0)],  # found by the ping a second later
        "unknown packet type": ["49junk"],
        "CONNECT_ERROR from a client": ["44{}"],
        "broken JSON without an id": ['42["chat", {'],
        "binary out of the blue": [b"\x00\x01\x02"],
        "attachments beyond any count": ['45999999999-["frame",{}]'],
        "a binary packet without attachments nor id": ['45["frame",{}]'],
        # As reported: socket.io-client's engine.write() puts each in a MESSAGE packet.
        "engine.write('42[garbage not json')": ["442[garbage not json"],
        "engine.write('9xyz')": ["49xyz"],
        "engine.write('451-[...placeholder...]')": ['4451-["frame",{"_placeholder":true,"num":0}]'],
    }
    engine_io: dict[str, list[str | bytes]] = {
        "an empty packet": [""],
        "an unknown packet type": ["9xyz"],
        "not a packet at all": ["x"],
        "OPEN from a client": ["0"],
        "NOOP from a client": ["6"],
        "PING from a client, not a probe": ["2"],
        "base64 that is not": ["b!!!"],
    }
    for what, packets in {**socket_io, **engine_io}.items():
        raw = await Raw.join(server.url, token, sid)
        seconds = await raw.closes(packets)
        assert seconds < CLOSE_WITHIN_S, (what, seconds)

    # Others were never disturbed, and the closed client may simply come back.
    again = await Raw.join(server.url, token, sid)
    chat = ["chat", {"session_id": sid, "message": "back again"}]
    assert (await again.call([f"421{json.dumps(chat)}"], 1))["ok"]
    await again.ws.close()
    assert http.get("/healthz").status_code == 200


async def test_a_slow_attachment_is_not_cut(server: LiveServer, http: httpx.Client) -> None:
    """Attachments still due when the server pings are fine if they come before the answer:
    the client sent them first, they were only slow to arrive."""
    s = start_session(http)
    raw = await Raw.join(server.url, s["candidate_token"], s["session_id"])
    frame = {"session_id": s["session_id"], "image": {"_placeholder": True, "num": 0}}
    await raw.ws.send("451-1" + json.dumps(["frame", {**frame, "ts": now_ms()}]))
    assert await asyncio.wait_for(raw.ws.recv(), 5) == "2"  # attachments due after a second
    ack = await raw.call([small_jpeg(), "3"], 1)  # the attachment, then the ping's answer
    assert ack["ok"] is True and ack["accepted"] is False, ack  # no analysis in this server
    await raw.ws.close()


class Polling:
    """An Engine.IO long-polling client written by hand."""

    def __init__(self, http: httpx.AsyncClient, sid: str) -> None:
        self.http, self.sid = http, sid

    @classmethod
    async def connect(cls, http: httpx.AsyncClient, token: str) -> Polling:
        r = await http.get("/socket.io/", params={"EIO": "4", "transport": "polling"})
        assert r.text.startswith("0"), r.text
        polling = cls(http, json.loads(r.text[1:])["sid"])
        assert (await polling.post("40" + json.dumps({"token": token}))).status_code == 200
        assert (await polling.get()).text.startswith("40")
        return polling

    def _params(self) -> dict[str, str]:
        return {"EIO": "4", "transport": "polling", "sid": self.sid}

    async def post(self, body: str | bytes) -> httpx.Response:
        return await self.http.post("/socket.io/", params=self._params(), content=body)

    async def get(self) -> httpx.Response:
        return await self.http.get("/socket.io/", params=self._params())


async def test_broken_packets_over_long_polling_close_the_connection(
    server: LiveServer, http: httpx.Client
) -> None:
    s = start_session(http)
    broken: dict[str, bytes] = {
        "an unknown Engine.IO packet": b"9xyz",
        "not an Engine.IO packet": b"x",
        "a payload that is not UTF-8": b"4\xff\xfe",
        "an unknown Socket.IO packet": b"49junk",
        "a text message where an attachment is due": b'451-["frame",{}]\x1e42["chat",{}]',
    }
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        for what, body in broken.items():
            polling = await Polling.connect(client, s["candidate_token"])
            waiting = asyncio.ensure_future(polling.get())  # the long-poll the client keeps open
            await asyncio.sleep(0.2)
            started = time.monotonic()
            await polling.post(body)
            answer = await asyncio.wait_for(waiting, CLOSE_WITHIN_S)
            assert "1" in answer.text.split("\x1e"), (what, answer.text)  # CLOSE
            assert time.monotonic() - started < CLOSE_WITHIN_S, what
            assert (await polling.get()).status_code == 400, what  # the connection is gone
    assert http.get("/healthz").status_code == 200
