"""Events over REST: /log, listing, idempotent client ids, role rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from tests.server_fixtures import LiveServer, bearer, start_session


def test_log_stores_and_lists_events(http: httpx.Client) -> None:
    s = start_session(http)
    sid, cand, intv = s["session_id"], bearer(s["candidate_token"]), bearer(s["interviewer_token"])
    body = {
        "session_id": sid,
        "type": "copy_paste",
        "detail": "pasted 40 chars",
        "role": "candidate",
        "name": "Ada",
    }
    r = http.post("/log", json=body, headers=cand)
    assert r.status_code == 201, r.text
    event = r.json()
    assert event["type"] == "copy_paste" and event["source"] == "browser"
    assert event["role"] == "candidate" and event["name"] == "Ada"
    assert event["detail"] == "pasted 40 chars" and isinstance(event["id"], int)
    r = http.post(
        "/log", json={"session_id": sid, "type": "manual", "detail": "note"}, headers=intv
    )
    assert r.status_code == 201 and r.json()["source"] == "manual"
    events = http.get(f"/sessions/{sid}/events", headers=intv).json()
    assert [e["type"] for e in events] == ["copy_paste", "manual"]
    only = http.get(f"/sessions/{sid}/events", params={"type": "manual"}, headers=intv).json()
    assert [e["type"] for e in only] == ["manual"]
    later = http.get(
        f"/sessions/{sid}/events", params={"since": events[1]["timestamp"]}, headers=intv
    ).json()
    assert [e["id"] for e in later] == [events[1]["id"]]
    assert http.get(f"/sessions/{sid}/events", headers=cand).status_code == 403


def test_same_client_id_is_stored_once(http: httpx.Client) -> None:
    s = start_session(http)
    sid, cand = s["session_id"], bearer(s["candidate_token"])
    body = {"session_id": sid, "type": "focus_lost", "client_id": "c-1"}
    first = http.post("/log", json=body, headers=cand).json()
    second = http.post("/log", json=body, headers=cand).json()
    assert first["id"] == second["id"]
    events = http.get(f"/sessions/{sid}/events", headers=bearer(s["interviewer_token"])).json()
    assert len(events) == 1


def test_candidate_may_log_only_browser_types(http: httpx.Client) -> None:
    s = start_session(http)
    sid, cand = s["session_id"], bearer(s["candidate_token"])
    for kind in ("manual", "looking_away", "no_face_detected"):
        r = http.post("/log", json={"session_id": sid, "type": kind}, headers=cand)
        assert r.status_code == 403, r.text
    r = http.post(
        "/log", json={"session_id": sid, "type": "focus_lost", "role": "interviewer"}, headers=cand
    )
    assert r.status_code == 403


def test_bad_log_inputs(http: httpx.Client) -> None:
    a, b = start_session(http), start_session(http)
    cand = bearer(a["candidate_token"])
    assert (
        http.post("/log", json={"session_id": a["session_id"], "type": "focus_lost"}).status_code
        == 401
    )
    r = http.post("/log", json={"session_id": b["session_id"], "type": "focus_lost"}, headers=cand)
    assert r.status_code == 403
    r = http.post("/log", json={"session_id": "unknown", "type": "focus_lost"}, headers=cand)
    assert r.status_code == 403
    bodies: list[Any] = [
        {"session_id": a["session_id"], "type": "teleported"},
        {"session_id": a["session_id"], "type": 3},
        {"session_id": a["session_id"], "type": "focus_lost", "detail": "x" * 2001},
        {"session_id": a["session_id"]},
        [],
    ]
    for body in bodies:
        r = http.post("/log", json=body, headers=cand)
        assert r.status_code == 422, (body, r.text)
        assert isinstance(r.json()["detail"], str)


def test_log_after_end_is_refused(http: httpx.Client) -> None:
    s = start_session(http)
    http.post(f"/sessions/{s['session_id']}/end", headers=bearer(s["interviewer_token"]))
    r = http.post(
        "/log",
        json={"session_id": s["session_id"], "type": "focus_lost"},
        headers=bearer(s["candidate_token"]),
    )
    assert r.status_code == 409


def test_evidence_of_unknown_or_plain_event_is_404(http: httpx.Client) -> None:
    s = start_session(http)
    sid, intv = s["session_id"], bearer(s["interviewer_token"])
    event = http.post("/log", json={"session_id": sid, "type": "manual"}, headers=intv).json()
    assert event["evidence_url"] is None
    assert (
        http.get(f"/sessions/{sid}/events/{event['id']}/evidence", headers=intv).status_code == 404
    )
    assert http.get(f"/sessions/{sid}/events/99999/evidence", headers=intv).status_code == 404
    assert http.get(f"/sessions/{sid}/events/abc/evidence", headers=intv).status_code == 422


def test_log_flood_is_limited_per_session_and_role(
    start_server: Callable[..., LiveServer],
) -> None:
    """Past the burst a flooding candidate gets 429 with a reason; nothing it had stored is lost,
    and the interviewer of the same session and another session's candidate are still served.
    The refill is slow (one token in 100 s) so a slow database cannot refill the bucket
    between requests and make the count depend on timing."""
    live = start_server(message_rate_per_s=0.01, message_burst=10)
    with httpx.Client(base_url=live.url, timeout=30) as http:
        s, other = start_session(http, "Flood"), start_session(http, "Calm")
        sid = s["session_id"]

        def log(session: dict[str, Any], token: str, n: int, type_: str = "focus_lost") -> int:
            body = {"session_id": session["session_id"], "type": type_, "client_id": f"c{n}"}
            return http.post("/log", json=body, headers=bearer(token)).status_code

        codes = [log(s, s["candidate_token"], n) for n in range(30)]
        assert codes == [201] * 10 + [429] * 20
        refused = http.post(
            "/log",
            json={"session_id": sid, "type": "focus_lost", "client_id": "late"},
            headers=bearer(s["candidate_token"]),
        )
        assert refused.status_code == 429 and "slow down" in refused.json()["detail"]
        assert log(s, s["interviewer_token"], 1000, "manual") == 201
        assert log(other, other["candidate_token"], 0) == 201
        stored = http.get(f"/sessions/{sid}/events", headers=bearer(s["interviewer_token"])).json()
        assert len([e for e in stored if e["type"] == "focus_lost"]) == codes.count(201)


def test_nul_characters_are_refused_with_a_reason(http: httpx.Client) -> None:
    """PostgreSQL cannot store NUL in text: every body refuses it up front (422), for both
    databases alike, and the session still takes clean input."""
    s = start_session(http)
    sid, token = s["session_id"], s["interviewer_token"]
    for field in ("client_id", "detail", "name"):
        body = {"session_id": sid, "type": "manual", "client_id": "c1", field: "a\x00b"}
        answer = http.post("/log", json=body, headers=bearer(token))
        assert answer.status_code == 422, (field, answer.text)
        assert "NUL" in answer.text
    answer = http.post("/start-session", json={"name": "Ada\x00"})
    assert answer.status_code == 422 and "NUL" in answer.text
    ok = {"session_id": sid, "type": "manual", "client_id": "c1", "detail": "fine"}
    assert http.post("/log", json=ok, headers=bearer(token)).status_code == 201
