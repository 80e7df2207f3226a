"""Names, chat and details are data, never markup: JSON answers say so (with nosniff), and the
PDF report prints them literally, ReportLab's own tags included.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import httpx
import pypdf

from tests.server_fixtures import LiveServer, bearer, start_session

SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'
# ReportLab paragraph markup: unescaped, these would embed a local file or restyle the text.
REPORTLAB = '<img src="{path}" width="50" height="50"/><font color="red">red</font>'


def pdf_text(content: bytes) -> str:
    pages = pypdf.PdfReader(io.BytesIO(content)).pages
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pages))


async def test_hostile_text_stays_text_in_json_and_pdf(
    server: LiveServer, http: httpx.Client, peers: Any, tmp_path: Path
) -> None:
    local_image = tmp_path / "local.jpg"
    local_image.write_bytes(b"\xff\xd8\xff")  # a file the PDF must never pull in
    markup = REPORTLAB.format(path=local_image)
    s = start_session(http, f"{SCRIPT} Ada")
    sid = s["session_id"]
    intv, cand = bearer(s["interviewer_token"]), bearer(s["candidate_token"])
    r = http.post(
        "/log",
        json={"session_id": sid, "type": "focus_lost", "detail": IMG, "name": markup},
        headers=cand,
    )
    assert r.status_code == 201 and r.json()["detail"] == IMG and r.json()["name"] == markup
    interviewer = await peers(server.url, s["interviewer_token"])
    ack = await interviewer.call("join", {"session_id": sid, "role": "interviewer", "name": IMG})
    assert ack["ok"]
    ack = await interviewer.call("chat", {"session_id": sid, "message": f"{SCRIPT} {markup}"})
    assert ack["ok"] and ack["message"]["message"] == f"{SCRIPT} {markup}"

    for path in (f"/sessions/{sid}", f"/sessions/{sid}/events"):
        r = http.get(path, headers=intv)
        assert r.headers["content-type"] == "application/json"
        assert r.headers["x-content-type-options"] == "nosniff"
    assert http.get(f"/sessions/{sid}", headers=intv).json()["name"] == f"{SCRIPT} Ada"

    report = http.get(f"/report/{sid}", headers=intv)
    assert report.status_code == 200 and report.headers["content-type"] == "application/pdf"
    text = pdf_text(report.content)
    for literal in (SCRIPT, "<img src=x", '<font color="red">red</font>', str(local_image)):
        assert literal in text, literal
    assert all(not page.images for page in pypdf.PdfReader(io.BytesIO(report.content)).pages)
