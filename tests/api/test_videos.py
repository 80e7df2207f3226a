"""Recordings: streamed multipart upload, chunked upload, Range playback, bad inputs."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.server_fixtures import LiveServer, bearer, start_session

WEBM = b"\x1a\x45\xdf\xa3" + bytes(range(256)) * 400  # EBML magic, then filler
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 5000


def upload(
    http: httpx.Client, s: dict[str, str], data: bytes, name: str = "rec.webm"
) -> httpx.Response:
    return http.post(
        "/upload-video",
        data={"session_id": s["session_id"]},
        files={"file": (name, data, "video/webm")},
        headers=bearer(s["candidate_token"]),
    )


def test_upload_then_play_with_ranges(server: LiveServer, http: httpx.Client) -> None:
    s = start_session(http)
    r = upload(http, s, WEBM)
    assert r.status_code == 201, r.text
    assert r.json() == {
        "session_id": s["session_id"],
        "video_url": f"/sessions/{s['session_id']}/video",
        "part": "main",
        "part_url": f"/sessions/{s['session_id']}/videos/main",
        "size": len(WEBM),
    }
    intv = bearer(s["interviewer_token"])
    full = http.get(r.json()["video_url"], headers=intv)
    assert full.status_code == 200 and full.content == WEBM
    assert full.headers["content-type"] == "video/webm" and full.headers["accept-ranges"] == "bytes"
    part = http.get(r.json()["video_url"], headers={**intv, "Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == WEBM[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(WEBM)}"
    tail = http.get(r.json()["video_url"], headers={**intv, "Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == WEBM[-10:]
    for bad in (f"bytes={len(WEBM)}-", "bytes=50-10", "bytes=abc", "bytes=-0"):
        r416 = http.get(r.json()["video_url"], headers={**intv, "Range": bad})
        assert r416.status_code == 416, bad
        assert r416.headers["content-range"] == f"bytes */{len(WEBM)}"
    assert http.get(r.json()["video_url"], headers=bearer(s["candidate_token"])).status_code == 403
    session = http.get(f"/sessions/{s['session_id']}", headers=intv).json()
    assert session["video_url"] == r.json()["video_url"]


def test_path_like_names_never_reach_the_disk(server: LiveServer, http: httpx.Client) -> None:
    s = start_session(http)
    for name in ("../../evil.webm", "/etc/passwd", "..\\..\\x.webm", "a/../../b.webm"):
        assert upload(http, s, MP4, name=name).status_code == 201
    data_dir = Path(server.settings.data_dir)
    names = [p.name for p in data_dir.rglob("*") if p.is_file()]
    assert not any("evil" in n or "passwd" in n or n == "x.webm" or n == "b.webm" for n in names)
    assert not (data_dir.parent / "evil.webm").exists()
    videos = list((data_dir / "videos").glob("*.mp4"))
    assert len(videos) == 1  # each upload replaced the previous recording


def test_wrong_type_too_large_and_bad_forms(start_server: object) -> None:
    live = start_server(max_video_bytes=100_000)  # type: ignore[operator]
    with httpx.Client(base_url=live.url, timeout=60) as http:
        s = start_session(http)
        r = upload(http, s, b"GIF89a" + b"\x00" * 100)
        assert r.status_code == 415 and "WebM" in r.json()["detail"]
        r = upload(http, s, WEBM[:4] + b"\x00" * 200_000)
        assert r.status_code == 413
        assert upload(http, s, b"").status_code == 422
        r = http.post(
            "/upload-video",
            files={"file": ("a.webm", WEBM[:1000], "video/webm")},
            headers=bearer(s["candidate_token"]),
        )
        assert r.status_code == 422 and "session_id" in r.json()["detail"]
        other = start_session(http)
        r = http.post(
            "/upload-video",
            data={"session_id": other["session_id"]},
            files={"file": ("a.webm", WEBM[:1000], "video/webm")},
            headers=bearer(s["candidate_token"]),
        )
        assert r.status_code == 403
        r = http.post("/upload-video", json={"x": 1}, headers=bearer(s["candidate_token"]))
        assert r.status_code == 415
        assert http.post("/upload-video", data={"session_id": s["session_id"]}).status_code == 401
        # Nothing partial is left behind, and the server still serves.
        assert not any((live.settings.data_dir / "videos" / "tmp").iterdir())
        assert http.get("/healthz").status_code == 200


def test_chunked_upload_is_idempotent_and_ordered(server: LiveServer, http: httpx.Client) -> None:
    s = start_session(http)
    sid, cand = s["session_id"], bearer(s["candidate_token"])
    parts = [WEBM[:30_000], WEBM[30_000:70_000], WEBM[70_000:]]
    r = http.put(f"/sessions/{sid}/video/chunks/2", content=parts[2], headers=cand)
    assert r.status_code == 201 and r.json() == {"index": 2, "size": len(parts[2]), "received": [2]}
    r = http.post(f"/sessions/{sid}/video/complete", json={"chunks": 3}, headers=cand)
    assert r.status_code == 409 and "missing" in r.json()["detail"]
    http.put(f"/sessions/{sid}/video/chunks/0", content=b"garbage", headers=cand)
    http.put(f"/sessions/{sid}/video/chunks/0", content=parts[0], headers=cand)  # retried: replaces
    r = http.put(f"/sessions/{sid}/video/chunks/1", content=parts[1], headers=cand)
    assert r.json()["received"] == [0, 1, 2]
    r = http.post(
        f"/sessions/{sid}/video/complete", json={"chunks": 3, "mime": "video/webm"}, headers=cand
    )
    assert r.status_code == 201, r.text
    assert r.json()["size"] == len(WEBM)
    video = http.get(r.json()["video_url"], headers=bearer(s["interviewer_token"]))
    assert video.content == WEBM
    assert (
        http.put(f"/sessions/{sid}/video/chunks/-1", content=b"x", headers=cand).status_code == 422
    )
    assert http.put(f"/sessions/{sid}/video/chunks/0", content=b"", headers=cand).status_code == 422


def test_chunks_of_a_non_video_are_not_joined(http: httpx.Client) -> None:
    """The chunks stored conflict with the request to join them into a video: 409 (415 would
    blame the request's own body, which is fine)."""
    s = start_session(http)
    sid, cand = s["session_id"], bearer(s["candidate_token"])
    http.put(f"/sessions/{sid}/video/chunks/0", content=b"%PDF-1.4 not a video", headers=cand)
    r = http.post(f"/sessions/{sid}/video/complete", json={"chunks": 1}, headers=cand)
    assert r.status_code == 409 and "not a WebM or MP4" in r.json()["detail"]
    assert (
        http.get(f"/sessions/{sid}/video", headers=bearer(s["interviewer_token"])).status_code
        == 404
    )


async def test_the_same_chunk_at_once_is_kept_once(server: LiveServer, http: httpx.Client) -> None:
    import asyncio

    s = start_session(http)
    sid, cand = s["session_id"], bearer(s["candidate_token"])
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        puts = [
            client.put(f"/sessions/{sid}/video/chunks/0", content=WEBM, headers=cand)
            for _ in range(6)
        ]
        answers = await asyncio.gather(*puts)
    assert [r.status_code for r in answers] == [201] * 6
    assert all(r.json()["received"] == [0] for r in answers)
    r = http.post(f"/sessions/{sid}/video/complete", json={"chunks": 1}, headers=cand)
    assert r.status_code == 201 and r.json()["size"] == len(WEBM)


def test_whole_uploads_sent_at_once_cannot_pass_the_limit_together(
    start_server: Callable[..., LiveServer],
) -> None:
    """Four parts uploaded at once, each fitting the empty session's limit alone: one is kept."""
    live = start_server(max_video_bytes=100_000)
    with httpx.Client(base_url=live.url, timeout=60) as http:
        s = start_session(http)

        def send(part: int) -> int:
            return http.post(
                "/upload-video",
                data={"session_id": s["session_id"], "part": f"p{part}"},
                files={"file": ("rec.webm", WEBM[:60_000], "video/webm")},
                headers=bearer(s["candidate_token"]),
            ).status_code

        with ThreadPoolExecutor(4) as pool:
            codes = list(pool.map(send, range(4)))
        assert sorted(codes) == [201] + [413] * 3, codes
        listed = http.get(
            f"/sessions/{s['session_id']}/videos", headers=bearer(s["interviewer_token"])
        ).json()
        assert [p["size"] for p in listed] == [60_000]
