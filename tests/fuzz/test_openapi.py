"""Schemathesis against the live server, run as an outside client runs it: the ``st`` command
with every check it has (``--checks all``) and every phase (examples, coverage, fuzzing and the
stateful phase), time-bounded, once with the interviewer's token and once with the candidate's.

Zero failures: no 5xx; every answer's status, headers, content type and body are those the
OpenAPI description shows; what it calls valid is accepted and what it calls invalid refused;
an undocumented method gets 405 with a true ``Allow``; a token is needed where it says so.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

from tests.server_fixtures import LiveServer, bearer, start_session

HOOKS = Path(__file__).with_name("schemathesis_hooks.py")
# Seconds of schemathesis per caller and database (startup aside): the interviewer may call
# every operation, the candidate fewer
BUDGET = {"interviewer": 22, "candidate": 8}
# The answers that refuse invalid data: schemathesis' own list, and 413
NEGATIVE_DATA_STATUSES = [
    *["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"],
    "5xx",
]
OWN_SESSIONS = 12  # sessions the interviewer's run may end and delete, half of them ended
WEBM = b"\x1a\x45\xdf\xa3" + bytes(range(256)) * 8


def seeded_session(http: httpx.Client) -> dict[str, Any]:
    """A session with an event and a recording, so the reads find something."""
    s = start_session(http, "Fuzz")
    cand = bearer(s["candidate_token"])
    r = http.post("/log", json={"session_id": s["session_id"], "type": "focus_lost"}, headers=cand)
    assert r.status_code == 201, r.text
    r = http.post(
        "/upload-video",
        data={"session_id": s["session_id"]},
        files={"file": ("r.webm", WEBM, "video/webm")},
        headers=cand,
    )
    assert r.status_code == 201, r.text
    return s


def toml_list(values: list[str]) -> str:
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


def write_config(path: Path, session_id: str, own: list[str]) -> Path:
    """Three cases in four name the run's session; ending and deleting name sessions of the
    run's own instead (``own``), so the run's session lives through it."""
    aim = "{ dictionary = %s, probability = 0.75 }"
    lines = [
        # A body too large for its route is refused with 413 before it is read: a refusal of
        # invalid data as much as a 422 is, though schemathesis does not list it by default
        "[checks.negative_data_rejection]",
        f"expected-statuses = {toml_list(NEGATIVE_DATA_STATUSES)}",
        "[dictionaries.session]",
        f"values = {toml_list([session_id])}",
        "[parameters]",
        f'"path.session_id" = {aim % json.dumps("session")}',
        f'"body.session_id" = {aim % json.dumps("session")}',
    ]
    if own:
        lines += ["[dictionaries.own]", f"values = {toml_list(own)}"]
        for name in ("DELETE /sessions/{session_id}", "POST /sessions/{session_id}/end"):
            lines += [
                "[[operations]]",
                f"include-name = {json.dumps(name)}",
                f'parameters = {{ "path.session_id" = {aim % json.dumps("own")} }}',
            ]
    path.write_text("\n".join(lines) + "\n")
    return path


def run_schemathesis(
    live: LiveServer, tmp: Path, role: str, token: str, session_id: str, own: dict[str, str]
) -> dict[str, set[int]]:
    """One ``st run``; fails the test with its report unless it found nothing. Returns the
    statuses each operation answered."""
    reports = tmp / f"reports-{role}"
    config = write_config(tmp / f"{role}.toml", session_id, list(own))
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": str(HOOKS),
        "PROCTOR_FUZZ_TOKEN": token,
        "PROCTOR_FUZZ_TOKENS": json.dumps(own),
    }
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(config),
        "--no-color",
        "run",
        f"{live.url}/openapi.json",
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-time",
        str(BUDGET[role]),
        "--report",
        "ndjson",
        "--report-dir",
        str(reports),
    ]
    done = subprocess.run(  # in tmp, where it keeps its cache of crashes
        command, env=env, cwd=tmp, capture_output=True, text=True, timeout=BUDGET[role] + 120
    )
    output = done.stdout + done.stderr
    failures = output.find("= FAILURES =")  # from there on: each failure, then the summary
    report = output[failures - 40 :] if failures >= 0 else output
    assert done.returncode == 0, f"schemathesis as the {role}:\n{report[-20000:]}"
    statuses: dict[str, set[int]] = defaultdict(set)
    for events in reports.glob("*.ndjson"):
        for line in events.read_text().splitlines():
            event = json.loads(line)
            recorder = event.get("ScenarioFinished", {}).get("recorder")
            if recorder is None:
                continue
            for interaction in recorder.get("interactions", {}).values():
                response = interaction.get("response")
                if response is not None:
                    statuses[recorder["label"]].add(response["status_code"])
    return statuses


def test_schemathesis_finds_nothing(server: LiveServer, http: httpx.Client, tmp_path: Path) -> None:
    s = seeded_session(http)
    own: dict[str, str] = {}
    for i in range(OWN_SESSIONS):
        other = start_session(http, f"Fuzz {i}")
        if i % 2:
            http.post(
                f"/sessions/{other['session_id']}/end",
                headers=bearer(other["interviewer_token"]),
            )
        own[other["session_id"]] = other["interviewer_token"]
    seen = run_schemathesis(
        server, tmp_path, "interviewer", s["interviewer_token"], s["session_id"], own
    )
    c = seeded_session(http)
    for label, codes in run_schemathesis(
        server, tmp_path, "candidate", c["candidate_token"], c["session_id"], {}
    ).items():
        seen[label] |= codes
    assert http.get("/healthz").status_code == 200
    # The tokens took the requests past authentication into the handlers, and refusals came.
    statuses = set().union(*seen.values())
    assert {200, 201, 401, 403, 405, 409, 422} <= statuses, dict(seen)
    operations = {label: codes for label, codes in seen.items() if " /" in label}
    reached = [label for label, codes in operations.items() if codes & {200, 201, 202, 204, 206}]
    # Most of the 21: a few need a state that fuzzing seldom builds (an evidence image, chunks
    # 0..N-1 of a real video to join)
    assert len(reached) >= 14, dict(seen)
