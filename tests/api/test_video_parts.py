"""Recording parts: several recordings a session (one per candidate page), each with its own
start time; chunks of parts interleaved, retried, completed twice, abandoned; limits and access.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from proctor.db import recordings
from tests.server_fixtures import LiveServer, bearer, start_session

WEBM_A = b"\x1a\x45\xdf\xa3" + bytes(range(256)) * 300
WEBM_B = b"\x1a\x45\xdf\xa3" + bytes(reversed(range(256))) * 200


def pieces(data: bytes, n: int) -> list[bytes]:
    step = -(-len(data) // n)
    return [data[i : i + step] for i in range(0, len(data), step)]


def put(
    http: httpx.Client, sid: str, token: str, part: str, index: int, data: bytes, **params: Any
) -> httpx.Response:
    return http.put(
        f"/sessions/{sid}/video/parts/{part}/chunks/{index}",
        content=data,
        params=params,
        headers=bearer(token),
    )


def complete(http: httpx.Client, sid: str, token: str, part: str, **body: Any) -> httpx.Response:
    return http.post(
        f"/sessions/{sid}/video/parts/{part}/complete", json=body, headers=bearer(token)
    )


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_interleaved_parts_are_kept_apart_each_with_its_start(
    server: LiveServer, http: httpx.Client
) -> None:
    s = start_session(http)
    sid, cand, intv = s["session_id"], s["candidate_token"], s["interviewer_token"]
    a, b = pieces(WEBM_A, 3), pieces(WEBM_B, 2)
    before = datetime.now(UTC)
    # A page records part "a"; it is reloaded and the new page records "b": their requests mix.
    assert put(http, sid, cand, "a", 0, a[0], recorded_ms=30_000).status_code == 201
    assert put(http, sid, cand, "b", 0, b[0], recorded_ms=1_000).status_code == 201
    assert put(http, sid, cand, "a", 1, a[1]).json()["received"] == [0, 1]
    assert put(http, sid, cand, "b", 1, b[1]).json()["received"] == [0, 1]
    assert put(http, sid, cand, "a", 2, a[2]).status_code == 201
    after = datetime.now(UTC)
    rb = complete(http, sid, cand, "b", chunks=2, mime="video/webm", duration_s=9.5)
    ra = complete(http, sid, cand, "a", chunks=3, duration_s=40.0)
    assert ra.status_code == 201 and rb.status_code == 201, (ra.text, rb.text)
    assert ra.json()["size"] == len(WEBM_A) and rb.json()["size"] == len(WEBM_B)
    assert rb.json()["part_url"] == f"/sessions/{sid}/videos/b"

    listed = http.get(f"/sessions/{sid}/videos", headers=bearer(intv)).json()
    assert [p["part"] for p in listed] == ["a", "b"]  # earliest start first
    start_a, start_b = parse(listed[0]["started_at"]), parse(listed[1]["started_at"])
    # Dated by the server's clock: the request left recorded_ms after the start.
    assert before - timedelta(seconds=30) <= start_a <= after - timedelta(seconds=30)
    assert before - timedelta(seconds=1) <= start_b <= after - timedelta(seconds=1)
    assert [p["duration_s"] for p in listed] == [40.0, 9.5]
    assert [p["size"] for p in listed] == [len(WEBM_A), len(WEBM_B)]
    for part, data in (("a", WEBM_A), ("b", WEBM_B)):
        got = http.get(f"/sessions/{sid}/videos/{part}", headers=bearer(intv))
        assert got.status_code == 200 and got.content == data
        assert got.headers["content-type"] == "video/webm"
        tail = http.get(
            f"/sessions/{sid}/videos/{part}", headers={**bearer(intv), "Range": "bytes=-16"}
        )
        assert tail.status_code == 206 and tail.content == data[-16:]
    # The main recording is the largest part, and the session resource describes it.
    assert http.get(f"/sessions/{sid}/video", headers=bearer(intv)).content == WEBM_A
    session = http.get(f"/sessions/{sid}", headers=bearer(intv)).json()
    assert session["video_parts"] == 2 and session["video_url"] == f"/sessions/{sid}/video"
    assert session["video_started_at"] == listed[0]["started_at"]
    assert session["video_duration_s"] == 40.0


def test_retries_are_idempotent_and_later_chunks_are_appended(
    server: LiveServer, http: httpx.Client
) -> None:
    s = start_session(http)
    sid, cand, intv = s["session_id"], s["candidate_token"], s["interviewer_token"]
    c = pieces(WEBM_A, 4)
    assert put(http, sid, cand, "p", 0, b"\x1a\x45\xdf\xa3 wrong").status_code == 201
    assert put(http, sid, cand, "p", 0, c[0]).status_code == 201  # retried: replaces
    assert put(http, sid, cand, "p", 1, c[1]).status_code == 201
    first = complete(http, sid, cand, "p", chunks=2)
    again = complete(http, sid, cand, "p", chunks=2)  # the answer was lost: sent again
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and first.json()["size"] == len(c[0] + c[1])
    # A chunk resent after it was joined is acknowledged and not kept twice.
    late = put(http, sid, cand, "p", 1, c[1])
    assert late.status_code == 201 and late.json()["received"] == [0, 1]
    # The page went on recording: more chunks, and a complete with the new count appends them.
    assert put(http, sid, cand, "p", 2, c[2]).json()["received"] == [0, 1, 2]
    assert put(http, sid, cand, "p", 3, c[3]).status_code == 201
    assert complete(http, sid, cand, "p", chunks=4).json()["size"] == len(WEBM_A)
    assert http.get(f"/sessions/{sid}/videos/p", headers=bearer(intv)).content == WEBM_A
    r = complete(http, sid, cand, "p", chunks=3)
    assert r.status_code == 409 and "already holds 4" in r.json()["detail"]
    r = complete(http, sid, cand, "p", chunks=6)
    assert r.status_code == 409 and "missing: [4, 5]" in r.json()["detail"]
    assert complete(http, sid, cand, "never-sent", chunks=1).status_code == 409


async def test_the_same_part_completed_at_once_is_joined_once(
    server: LiveServer, http: httpx.Client
) -> None:
    s = start_session(http)
    sid, cand = s["session_id"], s["candidate_token"]
    for i, piece in enumerate(pieces(WEBM_A, 5)):
        assert put(http, sid, cand, "p", i, piece).status_code == 201
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        url = f"/sessions/{sid}/video/parts/p/complete"
        answers = await asyncio.gather(
            *(client.post(url, json={"chunks": 5}, headers=bearer(cand)) for _ in range(5))
        )
    assert [r.status_code for r in answers] == [201] * 5
    video = http.get(f"/sessions/{sid}/videos/p", headers=bearer(s["interviewer_token"]))
    assert video.content == WEBM_A
    videos = list((server.settings.data_dir / "videos").glob(f"{sid}-*"))
    assert len(videos) == 1, videos  # the losers' files were thrown away


def test_a_part_whose_page_never_completed_it_is_joined_later(
    start_server: Callable[..., LiveServer],
) -> None:
    live = start_server(recording_abandoned_seconds=0)
    with httpx.Client(base_url=live.url, timeout=60) as http:
        s = start_session(http)
        sid, cand, intv = s["session_id"], s["candidate_token"], s["interviewer_token"]
        c = pieces(WEBM_A, 4)
        for i in (0, 1, 3):  # chunk 2 was lost with the page that closed
            assert put(http, sid, cand, "gone", i, c[i], recorded_ms=5000 * (i + 1)).is_success
        listed = http.get(f"/sessions/{sid}/videos", headers=bearer(intv)).json()
        assert [(p["part"], p["size"]) for p in listed] == [("gone", len(c[0] + c[1]))]
        assert listed[0]["started_at"] is not None
        # The page comes back after all and finishes its part: the rest is appended.
        assert put(http, sid, cand, "gone", 2, c[2]).is_success
        assert complete(http, sid, cand, "gone", chunks=4).json()["size"] == len(WEBM_A)
        assert http.get(f"/sessions/{sid}/video", headers=bearer(intv)).content == WEBM_A


def test_start_time_from_the_client_only_when_the_chunks_did_not_tell(
    server: LiveServer, http: httpx.Client
) -> None:
    s = start_session(http)
    sid, cand = s["session_id"], s["candidate_token"]
    told = "2026-01-01T10:00:00.000Z"
    assert put(http, sid, cand, "x", 0, WEBM_A).status_code == 201
    r = complete(http, sid, cand, "x", chunks=1, started_at=told, duration_s=3)
    assert r.json()["started_at"] == told and r.json()["duration_s"] == 3
    assert put(http, sid, cand, "y", 0, WEBM_B, recorded_ms=2000).status_code == 201
    r = complete(http, sid, cand, "y", chunks=1, started_at=told)
    assert r.json()["started_at"] != told
    naive = complete(http, sid, cand, "y", chunks=1, started_at="2026-01-01T10:00:00")
    assert naive.status_code == 422


def test_whole_uploads_name_their_part(server: LiveServer, http: httpx.Client) -> None:
    s = start_session(http)
    sid, intv = s["session_id"], s["interviewer_token"]

    def upload(data: bytes, **fields: str) -> httpx.Response:
        return http.post(
            "/upload-video",
            data={"session_id": sid, **fields},
            files={"file": ("r.webm", data, "video/webm")},
            headers=bearer(s["candidate_token"]),
        )

    r = upload(WEBM_B, part="second", started_at="2026-01-01T10:05:00Z", duration_s="12.5")
    assert r.status_code == 201 and r.json()["part_url"] == f"/sessions/{sid}/videos/second"
    assert upload(WEBM_A).json()["part"] == "main"
    assert upload(WEBM_A, part="../x").status_code == 422
    assert upload(WEBM_A, started_at="yesterday").status_code == 422
    listed = http.get(f"/sessions/{sid}/videos", headers=bearer(intv)).json()
    assert {p["part"]: p["started_at"] for p in listed} == {
        "second": "2026-01-01T10:05:00.000Z",
        "main": None,
    }
    assert listed[0]["part"] == "second"  # parts without a start time come last


def test_part_names_limits_and_access(start_server: Callable[..., LiveServer]) -> None:
    live = start_server(max_video_bytes=100_000)
    with httpx.Client(base_url=live.url, timeout=60) as http:
        s, other = start_session(http), start_session(http, "Other")
        sid, cand, intv = s["session_id"], s["candidate_token"], s["interviewer_token"]
        for bad in ("a" * 65, "a.b", "%2e%2e", "a%2Fb"):
            r = http.put(
                f"/sessions/{sid}/video/parts/{bad}/chunks/0", content=b"x", headers=bearer(cand)
            )
            assert r.status_code in (404, 405, 422), (bad, r.status_code)
        # All parts of a session share one limit.
        assert put(http, sid, cand, "a", 0, WEBM_A[:60_000]).status_code == 201
        assert complete(http, sid, cand, "a", chunks=1).status_code == 201
        r = put(http, sid, cand, "b", 0, WEBM_A[:50_000])
        assert r.status_code == 413
        # The candidate writes only to their own session, and reads no recording.
        assert put(http, other["session_id"], cand, "a", 0, WEBM_A[:100]).status_code == 403
        for path in (f"/sessions/{sid}/videos", f"/sessions/{sid}/videos/a"):
            assert http.get(path, headers=bearer(cand)).status_code == 403
            assert http.get(path, headers=bearer(other["interviewer_token"])).status_code == 403
            assert http.get(path, headers=bearer(intv)).status_code == 200
        assert http.get(f"/sessions/{sid}/videos/none", headers=bearer(intv)).status_code == 404
        # Deleting the session removes every part's file and chunk.
        assert put(http, sid, cand, "c", 0, WEBM_A[:100]).status_code == 201
        http.post(f"/sessions/{sid}/end", headers=bearer(intv))
        assert http.delete(f"/sessions/{sid}", headers=bearer(intv)).status_code == 204
        files = live.ctx.storage.session_files(sid)
        assert files == {"evidence": [], "videos": [], "chunks": []}


def test_concurrent_chunks_cannot_pass_the_limit_together(
    start_server: Callable[..., LiveServer],
) -> None:
    """Chunks sent at once each fit the room left before any of them is stored; together they
    would pass the session's limit. The server keeps those that fit and refuses the rest."""
    live = start_server(max_video_bytes=100_000)
    with httpx.Client(base_url=live.url, timeout=60) as http:
        s = start_session(http)
        sid, cand = s["session_id"], s["candidate_token"]
        chunk = WEBM_A[:30_000]
        with ThreadPoolExecutor(8) as pool:
            codes = list(
                pool.map(lambda i: put(http, sid, cand, "a", i, chunk).status_code, range(8))
            )
        assert sorted(codes) == [201] * 3 + [413] * 5, codes
        with live.ctx.sessions() as db:
            assert recordings.session_bytes(db, sid) == 90_000
            assert len(recordings.pending(db, sid, "a")) == 3
        assert len(live.ctx.storage.session_files(sid)["chunks"]) == 3
