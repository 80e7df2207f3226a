"""Socket.IO's Redis manager, made to ride out a Redis outage.

python-socketio delivers an emit to this node's own clients first, then publishes it for the
other nodes. While Redis is down this manager skips publishing (at most one attempt a second,
so a blackholed Redis never holds an emit up for long), reports to the shared health instead of
logging every failure, and re-subscribes within seconds of Redis' return (the stock backoff
grows to a minute).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import socketio

from proctor.realtime.cluster import CONNECT_TIMEOUT, MAX_RETRY_SECONDS, RedisHealth

PUBLISH_TIMEOUT = 3.0
RETRY_WHILE_DOWN = 1.0


class ResilientRedisManager(socketio.AsyncRedisManager):  # type: ignore[misc]
    connected: bool

    def __init__(self, url: str, channel: str) -> None:
        super().__init__(
            url, channel=channel, redis_options={"socket_connect_timeout": CONNECT_TIMEOUT}
        )
        self.health = RedisHealth(True)  # replaced by the app's shared one
        self._next_try = 0.0

    async def _publish(self, data: Any) -> None:
        now = time.monotonic()
        if not self.health.ok and now < self._next_try:
            return  # the other nodes are out of reach; this node's clients already have it
        self._next_try = now + RETRY_WHILE_DOWN
        try:
            if not self.connected:
                self._redis_connect()
            await asyncio.wait_for(
                self.redis.publish(self.channel, self.json.dumps(data)), PUBLISH_TIMEOUT
            )
        except Exception as exc:
            self.connected = False
            self.health.down(f"publish: {type(exc).__name__}: {exc}")
            return
        self.health.up()

    async def _redis_listen_with_retries(self) -> AsyncIterator[Any]:
        delay = 0.5
        subscribed = False
        while True:
            try:
                if not subscribed:
                    self._redis_connect()
                    await self.pubsub.subscribe(self.channel)
                    subscribed, delay = True, 0.5
                    self.health.up()
                async for message in self.pubsub.listen():
                    yield message
            except Exception as exc:
                self.health.down(f"subscribe: {type(exc).__name__}: {exc}")
                subscribed = False
                await asyncio.sleep(delay)
                delay = min(2 * delay, MAX_RETRY_SECONDS)
