"""What the nodes of a scaled-out deployment share through Redis, beside Socket.IO's rooms:
which nodes are alive, who is connected where (presence), pending snapshot requests, and
control messages (calibrate, session ended) for the node that analyses a session.

Without ``REDIS_URL`` everything here is off and the hub keeps it all in memory. When Redis is
unreachable the node says so (health, logs) and goes on serving its own clients; once Redis
answers again it writes its presence back and cross-node delivery resumes.

Keys (prefix: the Socket.IO channel name): ``node:{id}`` (expires unless renewed), ``nodes``
(set), ``node-sessions:{id}`` (set), ``presence:{session}`` (hash ``{node}|{sid}`` → JSON),
``snap:{session}:{request}``; channel ``control``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import redis.asyncio as aioredis

from proctor.config import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

CONNECT_TIMEOUT = 2.0
COMMAND_TIMEOUT = 3.0
MAX_RETRY_SECONDS = 5.0
SNAPSHOT_TTL_SECONDS = 120
PRESENCE_TTL_SECONDS = 24 * 3600  # a session's presence hash outlives no session

ControlHandler = Callable[[str, str], Awaitable[None]]
PresenceLostHandler = Callable[[str], Awaitable[None]]


class RedisHealth:
    """Whether Redis answered lately; logs each change once, not every failure."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.ok = True
        self.error: str | None = None
        self.resync = False  # Redis came back: write this node's state again
        self._down_since = 0.0

    @property
    def state(self) -> str:
        return "off" if not self.enabled else "ok" if self.ok else "down"

    def down(self, reason: str) -> None:
        self.error = reason
        if self.ok:
            self.ok, self._down_since = False, time.monotonic()
            log.error(
                "redis unreachable (%s): serving this node's own clients only until it returns",
                reason,
                extra={"redis": "down"},
            )

    def up(self) -> None:
        if not self.ok:
            self.ok, self.resync, self.error = True, True, None
            log.warning(
                "redis reachable again after %.1f s: cross-node delivery resumes",
                time.monotonic() - self._down_since,
                extra={"redis": "ok"},
            )


class Cluster:
    def __init__(self, settings: Settings, node_id: str) -> None:
        self.settings = settings
        self.node_id = node_id
        self.health = RedisHealth(bool(settings.redis_url))
        self.prefix = f"{settings.redis_channel}:"
        self.heartbeat = settings.node_heartbeat_seconds
        self.on_control: ControlHandler | None = None
        self.on_presence_lost: PresenceLostHandler | None = None
        self.local_entries: Callable[[], list[tuple[str, dict[str, str]]]] = list
        self._tasks: list[asyncio.Task[None]] = []
        self.redis: aioredis.Redis | None = None
        self._sub: aioredis.Redis | None = None
        if settings.redis_url:
            self.redis = aioredis.from_url(
                settings.redis_url,
                socket_connect_timeout=CONNECT_TIMEOUT,
                socket_timeout=COMMAND_TIMEOUT,
                decode_responses=True,
            )
            # No read timeout: a subscription waits for messages indefinitely.
            self._sub = aioredis.from_url(
                settings.redis_url, socket_connect_timeout=CONNECT_TIMEOUT, decode_responses=True
            )

    @property
    def enabled(self) -> bool:
        return self.redis is not None

    def key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    async def start(self) -> None:
        if not self.enabled:
            return
        self._tasks = [
            asyncio.create_task(self._heartbeat_loop(), name="cluster-heartbeat"),
            asyncio.create_task(self._control_loop(), name="cluster-control"),
        ]

    async def stop(self) -> None:
        """Leave cleanly: other nodes stop listing this node's clients at once, not after a
        timeout."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.redis is not None and self.health.ok:
            await self._try(self._forget_node(self.node_id))
        for client in (self.redis, self._sub):
            if client is not None:
                with contextlib.suppress(Exception):
                    await client.aclose()

    async def _try(self, coro: Awaitable[T]) -> T | None:
        """Run a Redis operation; None (and health down) when Redis does not answer."""
        try:
            result = await asyncio.wait_for(coro, COMMAND_TIMEOUT + 1)
        except (aioredis.RedisError, OSError, TimeoutError) as exc:
            self.health.down(f"{type(exc).__name__}: {exc}")
            return None
        self.health.up()
        return result

    async def ping(self) -> str:
        """``off``, ``ok`` or ``down``, asking Redis now."""
        if self.redis is None:
            return "off"
        await self._try(self.redis.ping())
        return self.health.state

    # Liveness
    async def _heartbeat_loop(self) -> None:
        while True:
            try:
                await self._try(self._beat())
            except Exception:  # a failing callback must not stop the heartbeat
                log.exception("heartbeat failed")
            await asyncio.sleep(self.heartbeat)

    async def _beat(self) -> None:
        assert self.redis is not None
        ttl = max(1, round(3 * self.heartbeat))
        resync = self.health.resync
        if resync:
            # Back after an outage: leaves and joins may have been missed, so start afresh.
            self.health.resync = False
            await self._forget_node(self.node_id)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.set(self.key("node", self.node_id), "1", ex=ttl, get=True)
            pipe.sadd(self.key("nodes"), self.node_id)
            previous, _ = await pipe.execute()
        if previous is None or resync:
            # New, or Redis lost its data (it may keep nothing on disk): register again.
            for session_id, entry in self.local_entries():
                await self.add_presence(session_id, entry)
        await self._sweep()

    async def _sweep(self) -> None:
        """Drop the presence of nodes that stopped renewing their key (killed, cut off)."""
        assert self.redis is not None
        others = [_s(n) for n in await self.redis.smembers(self.key("nodes"))]
        others = [n for n in others if n != self.node_id]
        if not others:
            return
        alive = await self.redis.mget([self.key("node", n) for n in others])
        for node, beat in zip(others, alive, strict=True):
            # SREM answers 1 to one node only: that node does the clean-up.
            if beat is None and await self.redis.srem(self.key("nodes"), node):
                log.warning("node %s stopped answering: dropping its presence", node)
                for session_id in await self._forget_node(node):
                    if self.on_presence_lost is not None:
                        await self.on_presence_lost(session_id)

    async def _forget_node(self, node: str) -> list[str]:
        assert self.redis is not None
        sessions = [_s(s) for s in await self.redis.smembers(self.key("node-sessions", node))]
        for session_id in sessions:
            fields = await self.redis.hkeys(self.key("presence", session_id))
            mine = [f for f in map(_s, fields) if f.startswith(f"{node}|")]
            if mine:
                await self.redis.hdel(self.key("presence", session_id), *mine)
        await self.redis.delete(self.key("node-sessions", node), self.key("node", node))
        await self.redis.srem(self.key("nodes"), node)
        return sessions

    # Presence
    async def add_presence(self, session_id: str, entry: dict[str, str]) -> None:
        if self.redis is None:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            hash_key = self.key("presence", session_id)
            pipe.hset(hash_key, f"{self.node_id}|{entry['sid']}", json.dumps(entry))
            pipe.expire(hash_key, PRESENCE_TTL_SECONDS)
            pipe.sadd(self.key("node-sessions", self.node_id), session_id)
            await self._try(pipe.execute())

    async def remove_presence(self, session_id: str, sid: str) -> None:
        if self.redis is not None:
            field = f"{self.node_id}|{sid}"
            await self._try(self.redis.hdel(self.key("presence", session_id), field))

    async def remote_presence(self, session_id: str) -> list[dict[str, str]] | None:
        """Entries of the other live nodes; None when Redis is off or does not answer."""
        if self.redis is None:
            return None
        raw = await self._try(self.redis.hgetall(self.key("presence", session_id)))
        if raw is None:
            return None
        entries: dict[str, list[dict[str, str]]] = {}
        for field, value in raw.items():
            node = _s(field).split("|", 1)[0]
            if node != self.node_id:
                entries.setdefault(node, []).append(json.loads(value))
        if not entries:
            return []
        nodes = list(entries)
        beats = await self._try(self.redis.mget([self.key("node", n) for n in nodes]))
        if beats is None:
            return None
        return [e for node, b in zip(nodes, beats, strict=True) if b for e in entries[node]]

    # Snapshot requests: asked on one node, answered on another
    async def add_snapshot(self, session_id: str, request_id: str) -> bool:
        if self.redis is None:
            return False
        key = self.key("snap", session_id, request_id)
        return await self._try(self.redis.set(key, "1", ex=SNAPSHOT_TTL_SECONDS)) is not None

    async def claim_snapshot(self, session_id: str, request_id: str) -> bool:
        """True once for a pending request (DEL answers 1 to one caller only)."""
        if self.redis is None:
            return False
        deleted = await self._try(self.redis.delete(self.key("snap", session_id, request_id)))
        return bool(deleted)

    # Control messages for the node that holds a session's candidate
    async def publish(self, op: str, session_id: str) -> None:
        if self.redis is None:
            return
        message = json.dumps({"op": op, "session_id": session_id, "from": self.node_id})
        await self._try(self.redis.publish(self.key("control"), message))

    async def _control_loop(self) -> None:
        assert self._sub is not None
        delay = 0.5
        while True:
            pubsub = self._sub.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.key("control"))
                delay = 0.5
                async for message in pubsub.listen():
                    await self._on_message(message)
            except (aioredis.RedisError, OSError) as exc:
                self.health.down(f"control channel: {type(exc).__name__}: {exc}")
                await asyncio.sleep(delay)
                delay = min(2 * delay, MAX_RETRY_SECONDS)
            finally:
                closing: Any = pubsub  # its aclose() is untyped
                with contextlib.suppress(Exception):
                    await closing.aclose()

    async def _on_message(self, message: dict[str, Any]) -> None:
        if message.get("type") != "message" or self.on_control is None:
            return
        try:
            data = json.loads(message["data"])
            op, session_id, sender = data["op"], data["session_id"], data.get("from")
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring a malformed control message")
            return
        if sender != self.node_id:
            try:
                await self.on_control(str(op), str(session_id))
            except Exception:
                log.exception("control message %s failed", op, extra={"session_id": session_id})


def _s(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
