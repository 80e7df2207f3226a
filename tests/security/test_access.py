"""Who may do what: every REST endpoint against every wrong caller, and Socket.IO rooms that
keep sessions and roles apart.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.server_fixtures import LiveServer, bearer, start_session

WEBM = b"\x1a\x45\xdf\xa3" + b"\x00" * 500
SECRET = "Secret Candidate Name"
PUBLIC = {"GET /healthz", "GET /client-config", "GET /metrics"}
# The interviewer's only; the rest take either token of the session.
INTERVIEWER_ONLY = {
    "POST /start-session",  # resuming (with a session_id) needs the interviewer
    "GET /sessions/{session_id}",
    "DELETE /sessions/{session_id}",
    "POST /sessions/{session_id}/end",
    "GET /sessions/{session_id}/events",
    "GET /sessions/{session_id}/alerts",
    "GET /sessions/{session_id}/events/{event_id}/evidence",
    "GET /sessions/{session_id}/video",
    "GET /sessions/{session_id}/videos",
    "GET /sessions/{session_id}/videos/{part}",
    "GET /report/{session_id}",
    "GET /sessions/{session_id}/identity",
    "GET /sessions/{session_id}/identity/{kind}/photo",
    "POST /sessions/{session_id}/reference",
}
# The candidate's only: the enrolment photo is theirs to take
CANDIDATE_ONLY = {"POST /sessions/{session_id}/enrolment"}
MEMBERS = {
    "POST /log",
    "POST /upload-video",
    "PUT /sessions/{session_id}/video/chunks/{index}",
    "POST /sessions/{session_id}/video/complete",
    "PUT /sessions/{session_id}/video/parts/{part}/chunks/{index}",
    "POST /sessions/{session_id}/video/parts/{part}/complete",
    "POST /sessions/{session_id}/calibrate",
}


def request(http: httpx.Client, op: str, sid: str, event_id: int, token: str | None) -> Any:
    """Call ``op`` on session ``sid`` as the holder of ``token`` (None: no token at all)."""
    method, template = op.split(" ", 1)
    path = template.format(session_id=sid, event_id=event_id, index=0, part="p1", kind="enrolment")
    headers = (
        {}
        if token is None
        else {"Authorization": "Basic eDp5"}
        if token == "Basic"
        else bearer(token)
    )
    if op == "POST /upload-video":
        files = {"file": ("r.webm", WEBM, "video/webm")}
        return http.post(path, data={"session_id": sid}, files=files, headers=headers)
    if op.startswith("PUT ") and op.endswith("/chunks/{index}"):
        return http.put(path, content=WEBM, headers=headers)
    body = {
        "POST /start-session": {"session_id": sid},
        "POST /log": {"session_id": sid, "type": "focus_lost"},
        "POST /sessions/{session_id}/video/complete": {"chunks": 1},
        "POST /sessions/{session_id}/video/parts/{part}/complete": {"chunks": 1},
    }.get(op)
    return http.request(method, path, json=body, headers=headers)


def test_every_endpoint_refuses_every_wrong_caller(server: LiveServer, http: httpx.Client) -> None:
    operations = {
        f"{method.upper()} {path}"
        for path, item in http.get("/openapi.json").json()["paths"].items()
        for method in item
    }
    everyone = PUBLIC | INTERVIEWER_ONLY | MEMBERS | CANDIDATE_ONLY
    assert operations == everyone, "a new endpoint needs a row here"
    a, b = start_session(http, SECRET), start_session(http, "Other")
    sid = a["session_id"]
    logged = http.post(
        "/log", json={"session_id": sid, "type": "copy_paste"}, headers=bearer(a["candidate_token"])
    )
    event_id = logged.json()["id"]
    callers = {
        "no token": (None, 401),
        "wrong token": ("x" * 43, 401),
        "not a bearer token": ("Basic", 401),
        "other session's interviewer": (b["interviewer_token"], 403),
        "other session's candidate": (b["candidate_token"], 403),
    }
    for op in sorted(INTERVIEWER_ONLY | MEMBERS | CANDIDATE_ONLY):
        for who, (token, status) in callers.items():
            r = request(http, op, sid, event_id, token)
            assert r.status_code == status, (op, who, r.status_code, r.text)
            assert SECRET not in r.text and r.json()["detail"], (op, who)
        if op in INTERVIEWER_ONLY:
            r = request(http, op, sid, event_id, a["candidate_token"])
            assert r.status_code == 403, (op, "candidate", r.text)
            assert SECRET not in r.text
        if op in CANDIDATE_ONLY:
            r = request(http, op, sid, event_id, a["interviewer_token"])
            assert r.status_code == 403, (op, "interviewer", r.text)
    # Nothing above changed the session, and its owner still reads it all.
    r = http.get(f"/sessions/{sid}/events", headers=bearer(a["interviewer_token"]))
    assert [e["id"] for e in r.json()] == [event_id]
    session = http.get(f"/sessions/{sid}", headers=bearer(a["interviewer_token"])).json()
    assert session["status"] == "active" and session["video_url"] is None


async def joined(server: LiveServer, peers: Any, s: dict[str, Any], role: str) -> Any:
    peer = await peers(server.url, s[f"{role}_token"])
    ack = await peer.call("join", {"session_id": s["session_id"], "role": role, "name": role})
    assert ack["ok"], ack
    return peer


async def activity(http: httpx.Client, s: dict[str, Any], interviewer: Any, candidate: Any) -> None:
    """Everything that makes the server send something in a session."""
    sid = s["session_id"]
    ack = await candidate.call(
        "event", {"session_id": sid, "type": "focus_lost", "client_id": "c1"}
    )
    assert ack["ok"], ack
    ack = await interviewer.call("event", {"session_id": sid, "type": "manual", "detail": "note"})
    assert ack["ok"], ack
    for peer in (interviewer, candidate):
        assert (await peer.call("chat", {"session_id": sid, "message": f"hi from {sid}"}))["ok"]
        assert (await peer.call("signal", {"session_id": sid, "data": {"sdp": sid}}))["ok"]
    asked = await interviewer.call("snapshot", {"session_id": sid})
    request = await candidate.wait_for("snapshot", lambda m: m["request_id"] == asked["request_id"])
    image = b"\xff\xd8\xff\xe0" + b"\x00" * 16 + b"\xff\xda\x00\x02" + b"\x00" * 8 + b"\xff\xd9"
    answer = {"session_id": sid, "request_id": request["request_id"], "image": image}
    ack = await candidate.call("snapshot", answer)
    assert ack["ok"] or "image refused" in ack["error"], ack
    r = http.post(
        "/log", json={"session_id": sid, "type": "copy_paste"}, headers=bearer(s["candidate_token"])
    )
    assert r.status_code == 201
    await interviewer.wait_for("event", lambda e: e["type"] == "copy_paste")


async def test_rooms_keep_sessions_and_roles_apart(
    server: LiveServer, http: httpx.Client, peers: Any
) -> None:
    a, b = start_session(http, "Ada"), start_session(http, "Bob")
    ia, ca = (
        await joined(server, peers, a, "interviewer"),
        await joined(server, peers, a, "candidate"),
    )
    ib, cb = (
        await joined(server, peers, b, "interviewer"),
        await joined(server, peers, b, "candidate"),
    )
    await activity(http, a, ia, ca)
    await activity(http, b, ib, cb)
    http.post(f"/sessions/{b['session_id']}/end", headers=bearer(b["interviewer_token"]))
    await cb.wait_for("session_ended")

    for s, interviewer, candidate in ((a, ia, ca), (b, ib, cb)):
        for peer in (interviewer, candidate):
            for name, data in peer.received:
                if isinstance(data, dict) and "session_id" in data:
                    assert data["session_id"] == s["session_id"], (name, data)
        # The candidate hears no event, score or snapshot image, only requests for one.
        names = set(candidate.summary())
        assert not names & {"event", "event_update", "score"}, names
        assert all("image" not in m for m in candidate.of("snapshot"))
        assert interviewer.of("event") and interviewer.of("score")
    assert ca.of("session_ended") == [] and ia.of("session_ended") == []

    # Reaching into the other session, or claiming the other role, is refused.
    other = b["session_id"]
    for name, payload in (
        ("join", {"session_id": other, "role": "candidate"}),
        ("join", {"session_id": a["session_id"], "role": "interviewer"}),
        ("chat", {"session_id": other, "message": "psst"}),
        ("event", {"session_id": other, "type": "focus_lost"}),
        ("signal", {"session_id": other, "data": {"sdp": "x"}}),
        ("snapshot", {"session_id": other, "request_id": "x", "image": b"\xff\xd8\xff"}),
        ("calibrate", {"session_id": other}),
        ("frame", {"session_id": other, "image": b"\xff\xd8\xff"}),
        ("audio", {"session_id": other, "data": b"\x1a\x45\xdf\xa3", "seq": 0}),
    ):
        ack = await ca.call(name, payload)
        assert ack["ok"] is False, (name, ack)
    ack = await ca.call("event", {"session_id": a["session_id"], "type": "manual"})
    assert ack["ok"] is False  # a candidate cannot pose as the interviewer's notes either
    ack = await ib.call("join", {"session_id": a["session_id"], "role": "interviewer"})
    assert ack["ok"] is False
    assert all(m["session_id"] == b["session_id"] for m in ib.of("chat"))
