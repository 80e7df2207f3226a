"""A client that stores events the way the candidate's browser does: each with a client id,
kept until acknowledged, and sent again after reconnecting (to any node)."""

from __future__ import annotations

import asyncio
from typing import Any

import socketio


class Outbox:
    def __init__(self, session_id: str, token: str, role: str = "candidate") -> None:
        self.session_id, self.token, self.role = session_id, token, role
        self.sio: socketio.AsyncClient | None = None
        self.pending: dict[str, dict[str, Any]] = {}
        self.acked: dict[str, int] = {}  # client id → stored event id
        self.chats_acked: set[str] = set()

    async def connect(self, url: str) -> None:
        if self.sio is not None and self.sio.connected:
            await self.sio.disconnect()
        self.sio = socketio.AsyncClient(reconnection=False)
        await self.sio.connect(url, auth={"token": self.token}, transports=["websocket"])
        ack = await self.sio.call("join", {"session_id": self.session_id, "role": self.role})
        assert ack["ok"], ack

    async def send(self, client_id: str, type_: str = "focus_lost") -> None:
        payload = self.pending.setdefault(
            client_id, {"session_id": self.session_id, "type": type_, "client_id": client_id}
        )
        try:
            assert self.sio is not None
            ack = await self.sio.call("event", payload, timeout=10)
        except (TimeoutError, socketio.exceptions.SocketIOError):
            return  # stays pending
        assert ack["ok"], ack
        self.acked[client_id] = ack["event"]["id"]
        self.pending.pop(client_id, None)

    async def chat(self, message: str) -> None:
        try:
            assert self.sio is not None
            payload = {"session_id": self.session_id, "message": message}
            ack = await self.sio.call("chat", payload, timeout=10)
        except (TimeoutError, socketio.exceptions.SocketIOError):
            return
        if ack["ok"]:
            self.chats_acked.add(message)

    async def pump(self, prefix: str, in_flight: int = 4, limit: int = 100_000) -> None:
        """Send new events, ``in_flight`` at once, until the connection breaks."""
        n = 0
        while n < limit and self.sio is not None and self.sio.connected:
            batch = [f"{prefix}{n + i}" for i in range(in_flight)]
            n += in_flight
            await asyncio.gather(*(self.send(c) for c in batch))

    async def flush(self) -> None:
        for client_id in list(self.pending):
            await self.send(client_id)

    async def close(self) -> None:
        if self.sio is not None and self.sio.connected:
            await self.sio.disconnect()
