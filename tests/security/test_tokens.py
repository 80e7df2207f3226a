"""Tokens: unguessable (256 random bits), stored only as hashes, compared in constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac
import inspect
import math
from collections import Counter
from typing import Any

import httpx
import pytest
import socketio
from sqlalchemy import MetaData, select

from proctor.db import repo
from tests.server_fixtures import LiveServer, bearer, start_session


def test_tokens_carry_at_least_128_random_bits(http: httpx.Client) -> None:
    tokens = []
    for i in range(40):
        s = start_session(http, f"Candidate {i}")
        tokens += [s["interviewer_token"], s["candidate_token"]]
    assert len(set(tokens)) == len(tokens)
    for token in tokens:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert len(raw) * 8 >= 128, token
    # The characters are spread as random bytes would be: close to 6 bits of entropy each.
    counts = Counter("".join(tokens))
    total = sum(counts.values())
    bits_per_char = -sum(c / total * math.log2(c / total) for c in counts.values())
    assert bits_per_char > 5.8
    assert min(len(t) for t in tokens) * bits_per_char >= 128


def test_the_database_holds_no_token(server: LiveServer, http: httpx.Client) -> None:
    s = start_session(http, "Ada")
    sid = s["session_id"]
    cand, intv = bearer(s["candidate_token"]), bearer(s["interviewer_token"])
    assert http.post(
        "/log", json={"session_id": sid, "type": "focus_lost"}, headers=cand
    ).is_success
    resumed = http.post("/start-session", json={"session_id": sid}, headers=intv).json()
    tokens = {s["interviewer_token"], s["candidate_token"], resumed["candidate_token"]}
    dump: list[str] = []
    with server.ctx.engine.connect() as conn:
        tables = MetaData()
        tables.reflect(conn)
        assert {"sessions", "events", "chat_messages", "video_chunks"} <= set(tables.tables)
        for table in tables.tables.values():
            dump += [repr(tuple(row)) for row in conn.execute(select(table))]
    text = "\n".join(dump)
    assert sid in text  # the dump does read the rows
    assert not [token for token in tokens if token in text]

    def digest(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    assert digest(s["interviewer_token"]) in text and digest(resumed["candidate_token"]) in text
    assert digest(s["candidate_token"]) not in text  # re-issued: the old one is gone


def test_lookup_compares_digests_with_compare_digest(
    server: LiveServer, http: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = inspect.getsource(repo.principal_for_token)
    assert "hmac.compare_digest" in source and "==" not in source.split("where(")[0]
    compared: list[tuple[Any, Any]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)  # the module repo compares with
    s = start_session(http)
    token = s["candidate_token"]
    path = f"/sessions/{s['session_id']}/calibrate"
    assert http.post(path, headers=bearer(token)).status_code == 202
    assert (repo.hash_token(token), repo.hash_token(token)) in compared
    # Near misses are refused: the last character changed, a prefix, the token with junk after.
    for wrong in (token[:-1] + ("A" if token[-1] != "A" else "B"), token[:-1], token + "x"):
        assert http.post(path, headers=bearer(wrong)).status_code == 401
    assert http.post(path, headers={"Authorization": f"Basic {token}"}).status_code == 401
    assert http.post(path, headers=bearer("x" * 100_000)).status_code in (400, 401, 431)


async def test_socket_connect_refuses_near_miss_tokens(
    server: LiveServer, http: httpx.Client, peers: Any
) -> None:
    s = start_session(http)
    token = s["candidate_token"]
    for wrong in (token[:-1], token.upper(), " " + token, token + "\x00", {"token": token}, 123):
        with pytest.raises(socketio.exceptions.ConnectionError):
            client = socketio.AsyncClient(reconnection=False)
            try:
                await client.connect(
                    server.url, auth={"token": wrong}, transports=["websocket"], wait_timeout=10
                )
            finally:
                await client.shutdown()
                if client.eio.http is not None:  # a refused handshake leaves it open
                    await client.eio.http.close()
    good = await peers(server.url, token)
    assert good.sio.connected
