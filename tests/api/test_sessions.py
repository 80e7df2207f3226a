"""Sessions over REST: start, resume, read, end, tokens and roles."""

from __future__ import annotations

import hashlib

import httpx
from sqlalchemy import select

from proctor.db.models import SessionRow
from tests.server_fixtures import LiveServer, bearer, start_session


def test_start_session_returns_tokens_and_room_links(http: httpx.Client) -> None:
    s = start_session(http, "Ada Lovelace")
    assert set(s) == {
        "session_id",
        "name",
        "interviewer_token",
        "candidate_token",
        "interviewer_url",
        "candidate_url",
    }
    assert s["name"] == "Ada Lovelace"
    assert s["interviewer_token"] != s["candidate_token"]
    assert len(s["interviewer_token"]) >= 43  # 32 random bytes, URL-safe
    assert s["candidate_url"].endswith(f"/c/{s['session_id']}#token={s['candidate_token']}")
    assert s["interviewer_url"].endswith(f"/i/{s['session_id']}#token={s['interviewer_token']}")


def test_tokens_are_stored_only_as_hashes(server: LiveServer, http: httpx.Client) -> None:
    s = start_session(http)
    with server.ctx.sessions() as db:
        row = db.execute(select(SessionRow)).scalar_one()
    digest = hashlib.sha256(s["interviewer_token"].encode()).hexdigest()
    assert row.interviewer_token_hash == digest
    stored = " ".join(str(v) for v in vars(row).values())
    assert s["interviewer_token"] not in stored and s["candidate_token"] not in stored


def test_session_resource(http: httpx.Client) -> None:
    s = start_session(http, "李雷 <b>&")
    r = http.get(f"/sessions/{s['session_id']}", headers=bearer(s["interviewer_token"]))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["name"] == "李雷 <b>&"
    assert body["status"] == "active" and body["ended_at"] is None
    assert body["score"] == {"score": 100.0, "breakdown": []}
    assert body["counts"] == {} and body["video_url"] is None
    assert body["started_at"].endswith("Z")


def test_auth_missing_wrong_other_session_and_role(http: httpx.Client) -> None:
    a, b = start_session(http, "A"), start_session(http, "B")
    path = f"/sessions/{a['session_id']}"
    assert http.get(path).status_code == 401
    r = http.get(path, headers=bearer("not-a-token"))
    assert r.status_code == 401 and r.json()["detail"]
    assert http.get(path, headers=bearer(b["interviewer_token"])).status_code == 403
    assert http.get(path, headers=bearer(a["candidate_token"])).status_code == 403
    # Unknown session with a valid token: 403 too, no hint whether it exists.
    assert http.get("/sessions/nope", headers=bearer(a["interviewer_token"])).status_code == 403


def test_resume_reissues_the_candidate_token(http: httpx.Client) -> None:
    s = start_session(http)
    r = http.post(
        "/start-session",
        json={"session_id": s["session_id"]},
        headers=bearer(s["interviewer_token"]),
    )
    assert r.status_code == 200, r.text
    resumed = r.json()
    assert resumed["session_id"] == s["session_id"]
    assert resumed["interviewer_token"] == s["interviewer_token"]
    assert resumed["candidate_token"] != s["candidate_token"]
    path = f"/sessions/{s['session_id']}/calibrate"
    assert http.post(path, headers=bearer(s["candidate_token"])).status_code == 401
    assert http.post(path, headers=bearer(resumed["candidate_token"])).status_code == 202


def test_resume_needs_the_interviewer(http: httpx.Client) -> None:
    s = start_session(http)
    body = {"session_id": s["session_id"]}
    assert http.post("/start-session", json=body).status_code == 401
    r = http.post("/start-session", json=body, headers=bearer(s["candidate_token"]))
    assert r.status_code == 403


def test_bad_start_bodies_get_clear_422(http: httpx.Client) -> None:
    for body in (
        {},
        {"name": ""},
        {"name": " \t"},
        {"name": None},
        {"name": 5},
        {"name": "x" * 201},
        {"name": "A", "extra": 1},
        {"session_id": "a/b"},
    ):
        r = http.post("/start-session", json=body)
        assert r.status_code == 422, (body, r.text)
        assert isinstance(r.json()["detail"], str) and r.json()["detail"]
    # Not JSON at all (or not UTF-8) is malformed: 400, on every JSON route alike
    for raw in (b"{not json", b'{"name": "\xff"}'):
        r = http.post("/start-session", content=raw, headers={"content-type": "application/json"})
        assert r.status_code == 400, (raw, r.text)
        assert "malformed" in r.json()["detail"] or "parsing" in r.json()["detail"]
    assert start_session(http, "  Ada Lovelace\n")["name"] == "Ada Lovelace"
    weights = {"name": "A", "settings": {"score_weights": {"looking_away": -1}}}
    assert http.post("/start-session", json=weights).status_code == 422


def test_per_session_score_weights(http: httpx.Client) -> None:
    s = start_session(http, settings={"score_weights": {"focus_lost": 20}})
    h = bearer(s["candidate_token"])
    r = http.post("/log", json={"session_id": s["session_id"], "type": "focus_lost"}, headers=h)
    assert r.status_code == 201, r.text
    body = http.get(f"/sessions/{s['session_id']}", headers=bearer(s["interviewer_token"])).json()
    assert body["score"]["score"] == 80.0
    assert body["score"]["breakdown"] == [{"type": "focus_lost", "count": 1, "deduction": 20.0}]
    assert body["counts"] == {"focus_lost": 1}


def test_end_session_is_idempotent(http: httpx.Client) -> None:
    s = start_session(http)
    path = f"/sessions/{s['session_id']}/end"
    assert http.post(path, headers=bearer(s["candidate_token"])).status_code == 403
    first = http.post(path, headers=bearer(s["interviewer_token"]))
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "ended" and first.json()["ended_at"]
    again = http.post(path, headers=bearer(s["interviewer_token"]))
    assert again.status_code == 200 and again.json()["ended_at"] == first.json()["ended_at"]
    r = http.post(
        "/start-session",
        json={"session_id": s["session_id"]},
        headers=bearer(s["interviewer_token"]),
    )
    assert r.status_code == 409
