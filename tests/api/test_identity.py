"""Identity on a real server with the real models: enrolment and reference photos, who may
send and read them, the live checks against the enrolment, a sustained mismatch as an event
with both faces, and the photos gone with the session. Descriptors never leave the server."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pypdf
import pytest

from tests.conftest import decode_bgr, require
from tests.identity.frames import MAN, MAN_LATER, WOMAN, clip_frame, jpeg
from tests.server_fixtures import LiveServer, bearer, now_ms, start_session

pytestmark = [pytest.mark.models, pytest.mark.slow]
FORBIDDEN_KEYS = ("embedding", "descriptor")


@pytest.fixture
def identity_server(start_server: Callable[..., LiveServer]) -> LiveServer:
    live = start_server(
        analysis_workers=1,
        calibration_seconds=0,
        identity_every_s=0.5,
        identity_window=3,
        identity_mismatches=2,
    )
    require(live.ctx.pool.ready, f"models not usable: {live.ctx.pool.error} (run `make models`)")
    return live


def no_descriptor(payload: Any) -> None:
    text = json.dumps(payload)
    assert not any(k in text for k in FORBIDDEN_KEYS), text[:300]


def post_photo(http: httpx.Client, sid: str, kind: str, token: str, data: bytes) -> httpx.Response:
    headers = {**bearer(token), "Content-Type": "image/jpeg"}
    return http.post(f"/sessions/{sid}/{kind}", content=data, headers=headers)


async def test_enrolment_reference_and_who_may_see_them(
    identity_server: LiveServer, evalset: Path
) -> None:
    live = identity_server
    man = jpeg(clip_frame(evalset, MAN))
    with httpx.Client(base_url=live.url, timeout=120) as http:
        s = start_session(http)
        sid, cand, intv = s["session_id"], s["candidate_token"], s["interviewer_token"]
        other = start_session(http, "Grace Hopper")

        dark = jpeg((clip_frame(evalset, MAN) * 0.3).astype("uint8"))
        r = post_photo(http, sid, "enrolment", cand, dark)
        assert r.status_code == 200, r.text
        assert r.json()["accepted"] is False and r.json()["problem"] == "too_dark"
        assert (
            http.get(f"/sessions/{sid}/identity", headers=bearer(intv)).json()["status"]
            == "not_enrolled"
        )

        r = post_photo(http, sid, "enrolment", cand, man)
        body = r.json()
        assert r.status_code == 200 and body["accepted"] is True, body
        assert body["faces"] == 1 and len(body["box"]) == 4 and body["problem"] is None
        no_descriptor(body)

        # Bad input is a 4xx with a JSON reason, never a stored photo.
        for data in (b"", b"not an image at all"):
            r = post_photo(http, sid, "enrolment", cand, data)
            assert r.status_code == 400 and "detail" in r.json(), r.text
        # Who may do what: the candidate enrols, the interviewer attaches the reference and
        # alone reads photos and results; another session's tokens reach nothing.
        woman = jpeg(clip_frame(evalset, WOMAN))
        assert post_photo(http, sid, "enrolment", intv, man).status_code == 403
        assert post_photo(http, sid, "reference", cand, woman).status_code == 403
        assert post_photo(http, sid, "enrolment", other["candidate_token"], man).status_code == 403
        r = post_photo(http, sid, "reference", intv, jpeg(clip_frame(evalset, MAN_LATER, 60)))
        assert r.status_code == 200 and r.json()["accepted"] is True, r.text
        for path in ("identity", "identity/enrolment/photo", "identity/reference/photo"):
            url = f"/sessions/{sid}/{path}"
            assert http.get(url).status_code == 401
            assert http.get(url, headers=bearer(cand)).status_code == 403
            assert http.get(url, headers=bearer(other["interviewer_token"])).status_code == 403
        state = http.get(f"/sessions/{sid}/identity", headers=bearer(intv)).json()
        no_descriptor(state)
        assert state["status"] == "pending" and state["checks"] == []
        assert state["enrolment"]["photo_url"] == f"/sessions/{sid}/identity/enrolment/photo"
        # The presentation-attack scores of the enrolment, as advice (none for a reference)
        assert set(state["enrolment"]["spoof"]) == {"antispoof", "liveness"}
        assert state["reference"]["spoof"] == {}
        photo = http.get(state["enrolment"]["photo_url"], headers=bearer(intv))
        assert photo.status_code == 200 and photo.content == man

        # Deleted with the session: rows, photo files.
        files = live.ctx.storage.session_files(sid)["evidence"]
        assert len(files) == 2  # the refused photos were never stored
        assert http.post(f"/sessions/{sid}/end", headers=bearer(intv)).status_code == 200
        assert post_photo(http, sid, "reference", intv, man).status_code == 409
        assert http.delete(f"/sessions/{sid}", headers=bearer(intv)).status_code == 204
        assert not any(f.exists() for f in files)


async def send_until(
    candidate: Any, sid: str, image: bytes, done: Callable[[], bool], seconds: float = 90
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not done():
        assert loop.time() < deadline, f"nothing in {seconds} s; got {candidate.summary()}"
        ack = await candidate.call("frame", {"session_id": sid, "image": image, "ts": now_ms()})
        assert ack.get("ok"), ack
        await asyncio.sleep(0.3)


async def test_live_checks_verify_then_raise_a_mismatch(
    identity_server: LiveServer, evalset: Path, peers: Any
) -> None:
    live = identity_server
    with httpx.Client(base_url=live.url, timeout=120) as http:
        s = start_session(http)
        sid, intv = s["session_id"], bearer(s["interviewer_token"])
        r = post_photo(http, sid, "enrolment", s["candidate_token"], jpeg(clip_frame(evalset, MAN)))
        assert r.json()["accepted"], r.text
        interviewer = await peers(live.url, s["interviewer_token"])
        candidate = await peers(live.url, s["candidate_token"])
        for peer, role in ((interviewer, "interviewer"), (candidate, "candidate")):
            assert (await peer.call("join", {"session_id": sid, "role": role}))["ok"]

        def status_is(status: str) -> Callable[[], bool]:
            return lambda: any(m["status"] == status for m in interviewer.of("identity"))

        same = jpeg(clip_frame(evalset, MAN_LATER, 60))
        await send_until(candidate, sid, same, status_is("verified"))
        first = interviewer.of("identity")[0]
        assert first["against"] == "enrolment" and first["score"] >= first["threshold"]

        # Someone else sits down: after 2 of the last 3 checks, one identity_mismatch event.
        other = jpeg(clip_frame(evalset, WOMAN))

        def mismatch() -> bool:
            return any(e["type"] == "identity_mismatch" for e in interviewer.of("event"))

        await send_until(candidate, sid, other, mismatch)
        await send_until(candidate, sid, other, status_is("unverified"))
        assert not candidate.of("identity")  # the status is the interviewer's
        for message in interviewer.of("identity"):
            no_descriptor(message)
        event = next(e for e in interviewer.of("event") if e["type"] == "identity_mismatch")
        assert event["source"] == "vision" and event["evidence_url"]
        evidence = http.get(event["evidence_url"], headers=intv)
        assert evidence.status_code == 200
        image = decode_bgr(evidence.content)
        assert image.shape[1] == 2 * image.shape[0]  # two square faces side by side

        state = http.get(f"/sessions/{sid}/identity", headers=intv).json()
        assert state["status"] == "unverified" and state["mismatches"] >= 2
        assert any(c["same_person"] for c in state["checks"])
        report = http.get(f"/report/{sid}", headers=intv)
        assert report.status_code == 200
        text = "\n".join(
            p.extract_text() for p in pypdf.PdfReader(io.BytesIO(report.content)).pages
        )
        assert "Enrolment photo taken" in text and "NOT the same person" in text
        score = http.get(f"/sessions/{sid}", headers=intv).json()["score"]
        assert any(
            i["type"] == "identity_mismatch" and i["deduction"] > 0 for i in score["breakdown"]
        )
