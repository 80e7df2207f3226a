"""The OpenAPI description and the server agree, on each case schemathesis found apart (issue
10): what the description calls invalid the server refuses, and what it calls valid, the server
takes. tests/fuzz/test_openapi.py runs schemathesis itself."""

from __future__ import annotations

from typing import Any

import httpx

from tests.server_fixtures import LiveServer, bearer, start_session

WEBM = b"\x1a\x45\xdf\xa3" + b"\0" * 100
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 100


def operation(http: httpx.Client, method: str, path: str) -> dict[str, Any]:
    spec = http.get("/openapi.json").json()
    found: dict[str, Any] = spec["paths"][path][method]
    return found


def schema_of(http: httpx.Client, name: str) -> dict[str, Any]:
    found: dict[str, Any] = http.get("/openapi.json").json()["components"]["schemas"][name]
    return found


def test_malformed_json_is_400_everywhere_and_documented(
    server: LiveServer, http: httpx.Client
) -> None:
    s = start_session(http)
    sid, intv = s["session_id"], bearer(s["interviewer_token"])
    for path in (
        "/start-session",
        "/log",
        f"/sessions/{sid}/video/complete",
        f"/sessions/{sid}/video/parts/p1/complete",
    ):
        for raw in (b"{", b'"\x10\xff\r', b"[1,", b"\x00"):
            r = http.post(path, content=raw, headers={**intv, "content-type": "application/json"})
            assert r.status_code == 400, (path, raw, r.text)
    for path in (
        "/start-session",
        "/log",
        "/sessions/{session_id}/video/complete",
        "/upload-video",
    ):
        assert "400" in operation(http, "post", path)["responses"], path


def test_start_session_needs_a_name_or_a_session(server: LiveServer, http: httpx.Client) -> None:
    body = schema_of(http, "StartSessionIn")
    assert body["anyOf"] == [{"required": ["name"]}, {"required": ["session_id"]}]
    assert body["properties"]["name"]["type"] == "string"  # not null
    bodies: list[dict[str, Any]] = [
        {},
        {"name": None},
        {"settings": {}},
        {"name": "Ada\x00"},
        {"name": "\t \n"},
    ]
    for bad in bodies:
        assert http.post("/start-session", json=bad).status_code == 422, bad
    name = body["properties"]["name"]
    assert "\\x00" in name["pattern"] and name["maxLength"] == 200


def test_recordings_are_described_as_the_server_takes_them(
    server: LiveServer, http: httpx.Client
) -> None:
    s = start_session(http)
    sid, cand = s["session_id"], bearer(s["candidate_token"])
    upload = operation(http, "post", "/upload-video")["requestBody"]["content"]
    form = upload["multipart/form-data"]
    assert form["encoding"]["file"]["contentType"] == "video/webm, video/mp4"
    assert form["schema"]["additionalProperties"] is False
    assert form["schema"]["properties"]["duration_s"]["maximum"] == 604_800
    assert form["schema"]["properties"]["file"]["minLength"] == 1

    def post(fields: dict[str, str], data: bytes = WEBM) -> httpx.Response:
        files = {"file": ("r.webm", data, "video/webm")}
        return http.post("/upload-video", data=fields, files=files, headers=cand)

    assert post({"session_id": sid}, PNG).status_code == 415
    assert post({"session_id": sid, "duration_s": "604800.5"}).status_code == 422
    assert post({"session_id": sid, "started_at": "0.5"}).status_code == 422
    assert post({"session_id": sid, "x" * 300: "1"}).status_code == 422  # no such field
    r = http.post(
        "/upload-video",
        files=[("session_id", (None, sid)), ("session_id", (None, sid)), ("file", ("r", WEBM))],
        headers=cand,
    )
    assert r.status_code == 422 and "more than once" in r.json()["detail"]
    many = [("part", (None, "p"))] * 20  # thousands would cost the server: refused early
    r = http.post("/upload-video", files=[*many, ("file", ("r", WEBM))], headers=cand)
    assert r.status_code == 422 and "form fields" in r.json()["detail"]
    assert post({"session_id": sid, "duration_s": "604800"}).status_code == 201

    chunk = operation(http, "put", "/sessions/{session_id}/video/chunks/{index}")["requestBody"]
    assert chunk["content"]["application/octet-stream"]["schema"]["minLength"] == 1
    assert http.put(f"/sessions/{sid}/video/chunks/0", content=b"", headers=cand).status_code == 422
    # Joining chunks that are no video: the stored chunks conflict with the request (409)
    http.put(f"/sessions/{sid}/video/parts/p2/chunks/0", content=PNG, headers=cand)
    complete = f"/sessions/{sid}/video/parts/p2/complete"
    assert http.post(complete, json={"chunks": 1.0}, headers=cand).status_code == 409
    responses = operation(http, "post", "/sessions/{session_id}/video/parts/{part}/complete")
    assert "415" not in responses["responses"]
    # Before any chunk: 409 too
    r = http.post(f"/sessions/{sid}/video/parts/p3/complete", json={}, headers=cand)
    assert r.status_code == 409


def test_times_are_rfc_3339_date_times_only(server: LiveServer, http: httpx.Client) -> None:
    s = start_session(http)
    sid, intv = s["session_id"], bearer(s["interviewer_token"])
    events = f"/sessions/{sid}/events"
    for since in ("0.5", "1700000000", "2026-01-01", "2026-01-01T10:00:00", "2026-02-30T00:00:00Z"):
        r = http.get(events, params={"since": since}, headers=intv)
        assert r.status_code == 422, (since, r.text)
    for since in (
        "2026-01-01T10:00:00Z",
        "2026-01-01t10:00:00.123456789+01:00",
        "0001-01-01T00:00:00+23:59",  # before year 1 in UTC: the earliest time there is
        "9999-12-31T23:59:59-23:59",  # after 9999 in UTC: the latest
        "2016-12-31T23:59:60Z",  # a leap second
    ):
        r = http.get(events, params={"since": since}, headers=intv)
        assert r.status_code == 200, (since, r.text)
    complete = f"/sessions/{sid}/video/complete"
    r = http.post(complete, json={"started_at": 0.5}, headers=intv)
    assert r.status_code == 422
    r = http.post(complete, json={"started_at": "0001-01-01T00:00:00+01:00"}, headers=intv)
    assert r.status_code == 409  # valid, and no chunk to join


def test_numbers_and_text_are_not_coerced(server: LiveServer, http: httpx.Client) -> None:
    """JSON bodies take JSON types: "5" is no number, 5 no text (as the description says)."""
    s = start_session(http)
    sid, intv = s["session_id"], bearer(s["interviewer_token"])
    for body in (
        {"session_id": sid, "type": "manual", "ts": "5"},
        {"session_id": sid, "type": "manual", "ts": True},
        {"session_id": sid, "type": "manual", "detail": 5},
        {"session_id": 5, "type": "manual"},
    ):
        assert http.post("/log", json=body, headers=intv).status_code == 422, body
    r = http.post(f"/sessions/{sid}/video/complete", json={"chunks": "1"}, headers=intv)
    assert r.status_code == 422
