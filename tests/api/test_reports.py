"""The PDF report over REST: content from the database, access rules."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pypdf

from tests.server_fixtures import LiveServer, bearer, start_session


def pdf_text(content: bytes) -> str:
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(content)).pages)


async def test_report_has_events_score_and_chat(
    server: LiveServer, http: httpx.Client, peers: Any
) -> None:
    s = start_session(http, "Ελένη <b>&")
    sid, cand, intv = s["session_id"], bearer(s["candidate_token"]), bearer(s["interviewer_token"])
    http.post("/log", json={"session_id": sid, "type": "focus_lost", "detail": "tab"}, headers=cand)
    http.post(
        "/log",
        json={"session_id": sid, "type": "manual", "detail": "looked at notes"},
        headers=intv,
    )
    peer = await peers(server.url, s["interviewer_token"])
    assert (await peer.call("join", {"session_id": sid, "role": "interviewer", "name": "Grace"}))[
        "ok"
    ]
    assert (await peer.call("chat", {"session_id": sid, "message": "Please share your screen"}))[
        "ok"
    ]
    http.post(f"/sessions/{sid}/end", headers=intv)

    r = http.get(f"/report/{sid}", headers=intv)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"] == f'attachment; filename="proctor-report-{sid}.pdf"'
    assert r.content.startswith(b"%PDF")
    text = pdf_text(r.content)
    for expected in (
        "Ελένη <b>&",
        sid,
        "95",
        "Window focus lost",
        "looked at notes",
        "Please share your screen",
    ):
        assert expected in text, expected


def test_report_access(http: httpx.Client) -> None:
    a, b = start_session(http), start_session(http)
    path = f"/report/{a['session_id']}"
    assert http.get(path).status_code == 401
    assert http.get(path, headers=bearer(a["candidate_token"])).status_code == 403
    assert http.get(path, headers=bearer(b["interviewer_token"])).status_code == 403


def test_report_of_a_long_session(server: LiveServer, http: httpx.Client) -> None:
    from proctor.db import repo

    s = start_session(http)
    with server.ctx.sessions() as db:
        for i in range(500):
            repo.add_event(
                db,
                s["session_id"],
                role="candidate",
                name="Ada",
                type="looking_away",
                detail=f"#{i}",
                source="vision",
            )
    r = http.get(f"/report/{s['session_id']}", headers=bearer(s["interviewer_token"]))
    assert r.status_code == 200
    assert len(pypdf.PdfReader(io.BytesIO(r.content)).pages) > 3
    session = http.get(
        f"/sessions/{s['session_id']}", headers=bearer(s["interviewer_token"])
    ).json()
    assert session["score"]["score"] == 0.0 and session["counts"] == {"looking_away": 500}
