"""Hostile recording uploads: wrong magic, too large (one file, or many chunks together),
path-like names and ids, many chunk indexes, bad indexes, completing with chunks missing.
Each gets a 4xx, nothing lands outside the data directory, and good uploads still work.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.server_fixtures import LiveServer, bearer, start_session

WEBM_HEAD = b"\x1a\x45\xdf\xa3"
LIMIT = 200_000


def files_under(root: Path) -> set[Path]:
    """Files under ``root`` but the SQLite database's (its WAL files come and go)."""
    return {p for p in root.rglob("*") if p.is_file() and ".db" not in p.name}


def test_wrong_types_and_sizes_are_refused(start_server: Callable[..., LiveServer]) -> None:
    live = start_server(max_video_bytes=LIMIT)
    with httpx.Client(base_url=live.url, timeout=60) as http:
        s = start_session(http)
        sid, cand = s["session_id"], bearer(s["candidate_token"])
        wrong = {
            "gif": b"GIF89a" + b"\x00" * 100,
            "jpeg": b"\xff\xd8\xff\xe0" + b"\x00" * 100,
            "pdf": b"%PDF-1.7\n" + b"\x00" * 100,
            "elf": b"\x7fELF" + b"\x00" * 100,
            "html": b"<html><script>alert(1)</script></html>",
            "almost_webm": WEBM_HEAD[:3] + b"\x00" * 100,
        }
        for name, data in wrong.items():
            r = http.post(
                "/upload-video",
                data={"session_id": sid},
                files={"file": (f"{name}.webm", data, "video/webm")},
                headers=cand,
            )
            assert r.status_code == 415, (name, r.text)
        r = http.post(
            "/upload-video",
            data={"session_id": sid},
            files={"file": ("big.webm", WEBM_HEAD + b"\x00" * LIMIT, "video/webm")},
            headers=cand,
        )
        assert r.status_code == 413
        # Chunks within the limit one by one, but not together.
        half = WEBM_HEAD + b"\x00" * (LIMIT // 2)
        assert http.put(f"/sessions/{sid}/video/chunks/0", content=half, headers=cand).is_success
        r = http.put(f"/sessions/{sid}/video/chunks/1", content=half, headers=cand)
        assert r.status_code == 413, r.text
        # A chunk sent again replaces the old one: its bytes do not count twice.
        assert http.put(f"/sessions/{sid}/video/chunks/0", content=half, headers=cand).is_success
        r = http.post(f"/sessions/{sid}/video/complete", json={"chunks": 2}, headers=cand)
        assert r.status_code == 409 and "[1]" in r.json()["detail"]
        assert not any((live.settings.data_dir / "videos" / "tmp").iterdir())
        r = http.post(f"/sessions/{sid}/video/complete", json={"chunks": 1}, headers=cand)
        assert r.status_code == 201, r.text


def test_many_chunks_join_in_order(server: LiveServer, http: httpx.Client) -> None:
    s = start_session(http)
    sid, cand = s["session_id"], bearer(s["candidate_token"])
    parts = [WEBM_HEAD + b"first"] + [f"<{i}>".encode() for i in range(1, 300)]
    for i in reversed(range(len(parts))):  # any order
        r = http.put(f"/sessions/{sid}/video/chunks/{i}", content=parts[i], headers=cand)
        assert r.status_code == 201, r.text
    assert r.json()["received"] == list(range(300))
    r = http.post(f"/sessions/{sid}/video/complete", json={"chunks": 301}, headers=cand)
    assert r.status_code == 409 and "[300]" in r.json()["detail"]
    for body in ({"chunks": 0}, {"chunks": -1}, {"chunks": 10**9}, {"chunks": "many"}):
        r = http.post(f"/sessions/{sid}/video/complete", json=body, headers=cand)
        assert r.status_code == 422, (body, r.text)
    r = http.post(f"/sessions/{sid}/video/complete", json={"chunks": 300}, headers=cand)
    assert r.status_code == 201, r.text
    video = http.get(r.json()["video_url"], headers=bearer(s["interviewer_token"]))
    assert video.content == b"".join(parts)


def test_any_chunk_index_is_a_number_in_range_or_a_4xx(
    server: LiveServer, http: httpx.Client
) -> None:
    s = start_session(http)
    sid, cand = s["session_id"], bearer(s["candidate_token"])
    data_dir = server.settings.data_dir.resolve()
    outside = files_under(data_dir.parent) - files_under(data_dir)
    indexes = st.one_of(
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.sampled_from(
            ["-1", "100000", "1e3", "0x10", "1.0", "+1", " 1", "٣", "..", "%2e%2e", "..%2f0"]
        ),
        st.text(min_size=1, max_size=30),
    )

    @given(index=indexes, body=st.binary(min_size=1, max_size=64))
    @settings(
        max_examples=150,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def put(index: str, body: bytes) -> None:
        path = f"/sessions/{sid}/video/chunks/{quote(index, safe='%.')}"
        r = http.put(path, content=body, headers=cand)
        assert r.status_code in (201, 404, 405, 422), (index, r.status_code, r.text)
        if r.status_code == 201:
            assert 0 <= r.json()["index"] < 100_000 and str(r.json()["index"]) in index

    put()
    assert files_under(data_dir.parent) - files_under(data_dir) == outside
    chunk_dir = data_dir / "videos" / "chunks" / sid
    assert all(p.parent == chunk_dir for p in files_under(data_dir / "videos" / "chunks"))
    assert http.get("/healthz").status_code == 200
