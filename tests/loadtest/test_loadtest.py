"""`proctor loadtest` at a small N against real servers analysing real frames: every frame and
every event is accounted for (the full-size run is bench/load.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from proctor.loadtest.audio import AudioCounts, load_feed
from proctor.loadtest.clients import FrameCounts
from proctor.loadtest.frames import FRAME_SIZE, load_frames
from proctor.loadtest.report import Report, percentile
from tests.cluster_fixtures import ServerProcess
from tests.conftest import decode_bgr

pytestmark = [pytest.mark.models, pytest.mark.slow]


def loadtest(*args: str) -> tuple[int, dict[str, Any]]:
    cmd = [sys.executable, "-m", "proctor.cli", "loadtest", "--json", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.stdout, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return done.returncode, report


def check_accounting(report: dict[str, Any], candidates: int, frames_each: int) -> None:
    f, s = report["frames"], report["server"]
    assert report["problems"] == [], report
    assert f["sent"] == candidates * frames_each == f["accepted"] == s["frames_received"]
    assert s["frames_received"] == s["frames_analyzed"] + s["frames_dropped"] + s["frame_errors"]
    assert report["events_stored"] >= candidates  # each candidate goes through a no-face stretch
    assert report["events_received"] == report["events_stored"] and report["lost_events"] == []
    assert report["browser_acked"] == 2 * candidates and report["browser_lost"] == []
    assert report["latency_ms"]["n"] >= 1 and report["latency_ms"]["p50"] > 0
    assert s["cpu_percent"] > 0 and s["rss_mb"] > 0 and s["face_analysis_ms_mean"] > 0
    # Objects run on at most the frames that asked (every second one), at least on one.
    assert 1 <= s["object_runs"] <= s["frames_analyzed"] // 2 + candidates
    assert s["object_rate"] == round(s["object_runs"] / s["frames_analyzed"], 3)
    assert s["face_wait_ms_mean"] is not None and s["object_wait_ms_mean"] is not None


def small_load(
    start_node: Callable[..., ServerProcess], tmp_path: Path, evalset: Path, *args: str
) -> tuple[int, dict[str, Any]]:
    """One node on SQLite with one worker, loaded for 5 s at 2 fps (a browser event every 2 s)
    with ``args`` added to the command."""
    node = start_node("load", f"sqlite:///{tmp_path / 'l.db'}", analysis_workers=1)
    if node.health().json()["analysis"] != "ok":
        pytest.skip(f"models not usable: {node.health().json()['analysis']}")
    return loadtest(
        "--url", node.url, "--fps", "2", "--duration", "5", "--event-every", "2",
        "--frames", str(evalset / "images"), "--server-pid", str(node.pid), *args,
    )  # fmt: skip


def test_small_load_on_one_node(
    start_node: Callable[..., ServerProcess], tmp_path: Path, evalset: Path
) -> None:
    code, report = small_load(start_node, tmp_path, evalset, "--candidates", "3")
    assert code == 0
    check_accounting(report, 3, 10)
    assert report["usage"]["cpu_percent"] > 0 and report["usage"]["peak_rss_mb"] > 0


def test_candidates_who_also_stream_their_microphone(
    start_node: Callable[..., ServerProcess], tmp_path: Path, evalset: Path
) -> None:
    recording = evalset / "audio" / "meeting_trn09.wav"
    code, report = small_load(
        start_node, tmp_path, evalset, "--candidates", "2", "--audio", "exam",
        "--audio-file", str(recording),
    )  # fmt: skip
    assert code == 0, report["problems"]
    check_accounting(report, 2, 10)
    # One chunk a second, each analysed by the server's audio process.
    audio, s = report["audio"], report["server"]
    assert audio["sent"] == audio["accepted"] == 2 * 5 == s["audio_chunks"]
    assert audio["refused"] == audio["unacked"] == s["audio_refused"] == 0
    assert 2 * 4.5 <= s["audio_seconds"] <= 2 * 5.1
    # Five seconds of a meeting in an exam: someone talks, and it is an event.
    assert report["events_stored"] >= 2 + 2


def test_the_feed_is_the_recording_repeated_as_one_second_chunks(evalset: Path) -> None:
    feed = load_feed(evalset / "audio" / "meeting_trn09.wav", "interview", 70)
    assert feed.mode == "interview" and len(feed.chunks) == 70  # one a second
    assert feed.chunks[0][:4] == b"\x1a\x45\xdf\xa3"  # an EBML (WebM) header


@pytest.mark.postgres
@pytest.mark.redis
def test_small_load_across_two_nodes(
    start_node: Callable[..., ServerProcess], pg_url: str, shared_redis: str, evalset: Path
) -> None:
    a = start_node("load-a", pg_url, shared_redis, analysis_workers=1)
    b = start_node("load-b", pg_url, shared_redis, analysis_workers=1)
    if a.health().json()["analysis"] != "ok":
        pytest.skip(f"models not usable: {a.health().json()['analysis']}")
    code, report = loadtest(
        "--url", a.url, "--url", b.url, "--candidates", "4", "--fps", "2", "--duration", "5",
        "--event-every", "2", "--frames", str(evalset / "images"),
    )  # fmt: skip
    assert code == 0 and report["nodes"] == 2
    check_accounting(report, 4, 10)


def test_frames_are_webcam_sized_and_alternate(evalset: Path) -> None:
    frames = load_frames(evalset / "images")
    period = frames.cycle()
    assert len(period) == 8 and period[0] in frames.face and period[-1] in frames.no_face
    image = decode_bgr(period[0])
    assert (image.shape[1], image.shape[0]) == FRAME_SIZE


def test_the_accounting_finds_what_is_missing() -> None:
    def report(**changes: Any) -> Report:
        values: dict[str, Any] = {
            "candidates": 1, "nodes": 1, "fps": 1.0, "duration_s": 1.0,
            "frames": FrameCounts(sent=3, accepted=3),
            "server": {"frames_received": 3, "frames_unaccounted": 0},
            "events_stored": 2, "events_received": 2, "lost_events": [], "phantom_events": [],
            "browser_acked": 1, "browser_lost": [], "latencies_ms": [10.0, 30.0, 20.0],
            "usage": {}, "load_average": (0.0, 0.0, 0.0),
        }  # fmt: skip
        values.update(changes)
        return Report(**values)

    assert report().problems == [] and report().latency(0.5) == 20.0
    assert len(report(lost_events=[4]).problems) == 1
    assert len(report(browser_lost=["c1"]).problems) == 1
    assert len(report(frames=FrameCounts(sent=4, accepted=3)).problems) == 1
    assert len(report(frames=FrameCounts(sent=3, accepted=2, unacked=1)).problems) == 1
    assert len(report(server={"frames_received": 3, "frames_unaccounted": 1}).problems) == 1
    heard = {"frames_received": 3, "frames_unaccounted": 0, "audio_chunks": 4}
    assert report(audio=AudioCounts(sent=4, accepted=4), server=heard).problems == []
    assert len(report(audio=AudioCounts(sent=4, accepted=3, refused=1), server=heard).problems) == 2
    assert len(report(audio=AudioCounts(sent=5, accepted=5), server=heard).problems) == 1
    assert percentile([], 0.5) is None and percentile([5.0], 0.99) == 5.0


def test_counts_of_two_clients_add_up_field_by_field() -> None:
    frames = FrameCounts(sent=3, accepted=2, rejected=1, errors={"rate limited": 1})
    frames.note_refusal({"ok": False, "error": "rate limited"})
    frames.add(FrameCounts(sent=2, not_accepted=1, unacked=1, errors={"ended": 1}))
    assert frames == FrameCounts(
        sent=5,
        accepted=2,
        not_accepted=1,
        rejected=1,
        unacked=1,
        errors={"rate limited": 2, "ended": 1},
    )
    audio = AudioCounts(sent=1, accepted=1)
    audio.add(AudioCounts(sent=2, accepted=1, refused=1, errors={"too large": 1}))
    assert audio == AudioCounts(sent=3, accepted=2, refused=1, errors={"too large": 1})
