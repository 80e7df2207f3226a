"""Many interviewers at once: requests that check a token and then do their own database work
must not hold the pool's connections while they wait for more (they would starve each other)."""

from __future__ import annotations

import asyncio

import httpx

from tests.server_fixtures import LiveServer, bearer, start_session

CONCURRENT = 40  # above the database pool (5 + 10 for SQLite, 10 + 20 for PostgreSQL)


async def test_concurrent_ends_and_reads_do_not_starve_the_pool(
    server: LiveServer, http: httpx.Client
) -> None:
    sessions = [start_session(http, f"Candidate {i}") for i in range(CONCURRENT)]
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:

        async def end_and_read(s: dict[str, str]) -> tuple[int, int]:
            auth = bearer(s["interviewer_token"])
            ended = await client.post(f"/sessions/{s['session_id']}/end", headers=auth)
            events = await client.get(f"/sessions/{s['session_id']}/events", headers=auth)
            return ended.status_code, events.status_code

        codes = await asyncio.gather(*(end_and_read(s) for s in sessions))
    assert codes == [(200, 200)] * CONCURRENT
