"""/metrics in Prometheus text format from a real server analysing real frames."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from proctor.loadtest.scrape import Scrape, parse
from tests.cluster_fixtures import ServerProcess
from tests.server_fixtures import now_ms, start_session

pytestmark = [pytest.mark.models, pytest.mark.slow]


def scrape(node: ServerProcess) -> Scrape:
    r = httpx.get(f"{node.url}/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    return parse(r.text)  # the whole text parses as Prometheus' format


async def test_metrics_count_frames_events_clients_and_process(
    start_node: Callable[..., ServerProcess], tmp_path: Path, evalset: Path, peers: Any
) -> None:
    node = start_node(
        "metrics", f"sqlite:///{tmp_path / 'm.db'}", analysis_workers=1, calibration_seconds=0
    )
    if node.health().json()["analysis"] != "ok":
        pytest.skip(f"models not usable: {node.health().json()['analysis']}")
    m = scrape(node)
    assert m.get("proctor_frames_received_total") == 0
    assert m.get("proctor_connected_clients") == 0
    assert m.get("proctor_node_info", node="metrics") == 1

    s = start_session(httpx.Client(base_url=node.url), "Ada")
    sid = s["session_id"]
    interviewer = await peers(node.url, s["interviewer_token"])
    candidate = await peers(node.url, s["candidate_token"])
    for peer, role in ((interviewer, "interviewer"), (candidate, "candidate")):
        assert (await peer.call("join", {"session_id": sid, "role": role}))["ok"]
    m = scrape(node)
    assert m.get("proctor_connected_clients", role="candidate") == 1
    assert m.get("proctor_connected_clients", role="interviewer") == 1

    refused = await candidate.call("frame", {"session_id": sid, "image": b"GIF89a" + b"0" * 50})
    assert refused["ok"] is False
    refused = await interviewer.call("frame", {"session_id": sid, "image": b"\xff\xd8\xff"})
    assert refused["ok"] is False
    image = (evalset / "images" / "noface_livingroom.jpg").read_bytes()
    sent = 0
    while not interviewer.of("event"):
        assert sent < 100, interviewer.summary()
        ack = await candidate.call("frame", {"session_id": sid, "image": image, "ts": now_ms()})
        assert ack["accepted"], ack
        sent += 1
        await asyncio.sleep(0.3)
    ack = await candidate.call("event", {"session_id": sid, "type": "focus_lost"})
    assert ack["ok"]

    for _ in range(100):  # the last frame may still be in analysis
        m = scrape(node)
        done = sum(m.get(f"proctor_{k}_total") for k in ("frames_analyzed", "frames_dropped",
                                                           "frame_errors"))  # fmt: skip
        if done == sent:
            break
        await asyncio.sleep(0.1)
    assert m.get("proctor_frames_received_total") == sent == done
    assert m.get("proctor_frames_analyzed_total") >= 2
    assert m.get("proctor_analysis_seconds_count", kind="faces") == m.get(
        "proctor_frames_analyzed_total"
    )
    assert m.get("proctor_analysis_seconds_count", kind="objects") >= 1
    assert m.get("proctor_object_runs_total") == m.get(
        "proctor_analysis_seconds_count", kind="objects"
    )
    waits = m.get("proctor_analysis_wait_seconds_count", kind="faces")
    assert waits == m.get("proctor_frames_analyzed_total")  # one turn per frame taken
    assert m.get("proctor_analysis_waiting", kind="faces") == 0
    assert m.get("proctor_frames_rejected_total", reason="invalid") == 1
    assert m.get("proctor_frames_rejected_total", reason="not_allowed") == 1
    assert m.get("proctor_events_total", type="no_face_detected", source="vision") == 1
    assert m.get("proctor_events_total", type="focus_lost", source="browser") == 1
    assert m.get("proctor_event_latency_seconds_count") == 1
    assert m.get("proctor_event_loop_lag_seconds_count") > 0
    assert m.get("process_cpu_seconds_total") > 0 and m.get("process_resident_memory_bytes") > 0
    assert m.get("proctor_workers_cpu_seconds_total") > 0
    assert m.get("proctor_workers_resident_memory_bytes") > 1e6
    assert m.get("proctor_analysis_workers") == 1 and m.get("proctor_live_sessions") == 1


def test_metrics_can_be_private(start_node: Callable[..., ServerProcess], tmp_path: Path) -> None:
    node = start_node("private", f"sqlite:///{tmp_path / 'p.db'}", metrics_public="false")
    assert httpx.get(f"{node.url}/metrics").status_code == 404
