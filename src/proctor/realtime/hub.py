"""Rooms, connections and presence, and every server → client emit.

Rooms per session: ``s:{id}`` (everyone), ``s:{id}:interviewer`` and ``s:{id}:candidate``.
Interviewers get events and the score; candidates only the notices the session allows.
Presence and snapshot requests span the nodes through the cluster (Redis) when there is one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import socketio

from proctor.config import Settings
from proctor.db.repo import Principal
from proctor.realtime.cluster import Cluster
from proctor.realtime.ratelimit import TokenBucket

MAX_PENDING_SNAPSHOTS = 20


def room(session_id: str, role: str | None = None) -> str:
    return f"s:{session_id}" if role is None else f"s:{session_id}:{role}"


@dataclass(slots=True)
class Connection:
    """One Socket.IO connection: whose token it is, and its own rate limits."""

    sid: str
    principal: Principal
    frames: TokenBucket
    messages: TokenBucket
    chats: TokenBucket
    name: str | None = None
    joined: bool = False
    # The page's own id (from join), so others can follow it across socket reconnects
    peer: str | None = None
    session_name: str = ""
    notices: list[str] = field(default_factory=list)


class Hub:
    def __init__(self, sio: socketio.AsyncServer, settings: Settings, cluster: Cluster) -> None:
        self.sio = sio
        self.settings = settings
        self.cluster = cluster
        self.connections: dict[str, Connection] = {}
        # Pending snapshot requests per session, so a candidate cannot push unasked images.
        self.snapshot_requests: dict[str, dict[str, None]] = {}

    # Connections and presence
    def connect(self, sid: str, principal: Principal) -> Connection:
        s = self.settings
        conn = Connection(
            sid,
            principal,
            frames=TokenBucket(s.frame_rate_per_s, s.frame_burst),
            messages=TokenBucket(s.message_rate_per_s, s.message_burst),
            chats=TokenBucket(s.chat_rate_per_s, s.chat_burst),
        )
        self.connections[sid] = conn
        return conn

    def disconnect(self, sid: str) -> Connection | None:
        return self.connections.pop(sid, None)

    def local_participants(self, session_id: str) -> list[dict[str, str]]:
        """Who is joined to the session on this node."""
        return [_entry(c) for c in self.connections.values() if _in(c, session_id)]

    def local_entries(self) -> list[tuple[str, dict[str, str]]]:
        """Every joined connection of this node, to register again in Redis."""
        return [(c.principal.session_id, _entry(c)) for c in self.connections.values() if c.joined]

    async def participants(self, session_id: str, *, with_sid: bool = True) -> list[dict[str, str]]:
        """Who is joined to the session on any live node (this node's only, without Redis)."""
        found = self.local_participants(session_id)
        mine = {p["sid"] for p in found}
        remote = await self.cluster.remote_presence(session_id) or []
        found += [p for p in remote if p.get("sid") not in mine]
        out = [
            {
                "role": p["role"],
                "name": p["name"],
                **({"sid": p["sid"]} if with_sid else {}),
                **({"peer": p["peer"]} if with_sid and p.get("peer") else {}),
            }
            for p in found
        ]
        return sorted(out, key=lambda p: (p["role"] != "interviewer", p["name"]))

    async def join(self, conn: Connection, name: str) -> None:
        session_id, role = conn.principal.session_id, conn.principal.role
        conn.name, conn.joined = name, True
        await self.sio.enter_room(conn.sid, room(session_id))
        await self.sio.enter_room(conn.sid, room(session_id, role))
        await self.cluster.add_presence(session_id, _entry(conn))
        await self.emit_presence(session_id)

    async def leave(self, conn: Connection) -> None:
        """After a joined connection closed: tell the room who is left."""
        await self.cluster.remove_presence(conn.principal.session_id, conn.sid)
        await self.emit_presence(conn.principal.session_id)

    async def emit_presence(self, session_id: str) -> None:
        await self.sio.emit(
            "presence",
            {"session_id": session_id, "participants": await self.participants(session_id)},
            room=room(session_id),
        )

    # Server → client messages
    async def emit_event(self, event: dict[str, Any]) -> None:
        await self.sio.emit("event", event, room=room(event["session_id"], "interviewer"))

    async def emit_event_update(self, event: dict[str, Any]) -> None:
        await self.sio.emit("event_update", event, room=room(event["session_id"], "interviewer"))

    async def emit_score(self, session_id: str, score: dict[str, Any]) -> None:
        await self.sio.emit(
            "score", {"session_id": session_id, **score}, room=room(session_id, "interviewer")
        )

    async def emit_identity(self, session_id: str, status: dict[str, Any]) -> None:
        """The last identity check (status and similarity; never a face descriptor)."""
        await self.sio.emit("identity", status, room=room(session_id, "interviewer"))

    async def emit_notice(self, session_id: str, type_: str, message: str) -> None:
        await self.sio.emit(
            "notice",
            {"session_id": session_id, "type": type_, "message": message},
            room=room(session_id, "candidate"),
        )

    async def emit_chat(self, message: dict[str, Any]) -> None:
        await self.sio.emit("chat", message, room=room(message["session_id"]))

    async def emit_session_ended(self, session_id: str, ended_at: str) -> None:
        await self.sio.emit(
            "session_ended", {"session_id": session_id, "ended_at": ended_at}, room=room(session_id)
        )

    async def request_snapshot(self, session_id: str, request_id: str) -> None:
        # Kept here and in Redis: the candidate may answer through another node.
        await self.cluster.add_snapshot(session_id, request_id)
        pending = self.snapshot_requests.setdefault(session_id, {})
        pending[request_id] = None
        while len(pending) > MAX_PENDING_SNAPSHOTS:  # forget the oldest unanswered ones
            del pending[next(iter(pending))]
        await self.sio.emit(
            "snapshot",
            {"session_id": session_id, "request_id": request_id},
            room=room(session_id, "candidate"),
        )

    async def claim_snapshot(self, session_id: str, request_id: str) -> bool:
        """True once per request asked for on any node."""
        pending = self.snapshot_requests.get(session_id, {})
        claimed = await self.cluster.claim_snapshot(session_id, request_id)
        if request_id in pending:
            del pending[request_id]
            return True
        return claimed

    async def deliver_snapshot(self, payload: dict[str, Any]) -> None:
        await self.sio.emit("snapshot", payload, room=room(payload["session_id"], "interviewer"))

    async def relay_signal(
        self, conn: Connection, data: dict[str, Any], to: str | None = None
    ) -> bool:
        """To connection ``to`` when it is in the session (on any node), else False; without
        ``to``, to everyone else in the room. ``from`` tells the receiver where to answer."""
        session_id = conn.principal.session_id
        message = {
            "session_id": session_id,
            "from_role": conn.principal.role,
            "from": conn.sid,
            "data": data,
        }
        if to is None:
            await self.sio.emit("signal", message, room=room(session_id), skip_sid=conn.sid)
            return True
        local = self.connections.get(to)
        if local is not None:
            member = _in(local, session_id)
        else:
            member = any(p.get("sid") == to for p in await self.participants(session_id))
        if not member or to == conn.sid:
            return False
        await self.sio.emit("signal", message, to=to)
        return True

    async def disconnect_session(self, session_id: str) -> None:
        """Forget pending requests of an ended session."""
        self.snapshot_requests.pop(session_id, None)


def _in(conn: Connection, session_id: str) -> bool:
    return conn.joined and conn.principal.session_id == session_id


def _entry(conn: Connection) -> dict[str, str]:
    entry = {"role": conn.principal.role, "name": conn.name or "", "sid": conn.sid}
    if conn.peer:
        entry["peer"] = conn.peer
    return entry
