"""Server latency: one candidate sends one real frame a second through a real server.

Measures, for face events (no face, several faces), the time from a frame's arrival to the
event's emission (the server puts it in the event as ``latency_ms``) and from sending the frame
to receiving the event on loopback; then the time to generate the PDF report of a session with
500 events. Usage:

    python -m bench.server_latency [--seconds 120] [--write docs/PERFORMANCE.md]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import socketio
import uvicorn

from bench import markdown
from proctor.api.reports import build_report_data
from proctor.app import create_app
from proctor.config import Settings
from proctor.db import repo

EVALSET = Path(
    os.environ.get("PROCTOR_EVALSET", Path(__file__).resolve().parents[2] / "shared" / "evalset")
)
# Frames cycle so that face events start and end again and again.
CYCLE = ["single_woman_plain_bg.jpg"] * 3 + ["noface_livingroom.jpg"] * 3
CYCLE += ["single_woman_plain_bg.jpg"] * 3 + ["multi2_couple_indoor.jpg"] * 3
FACE_EVENTS = {"no_face_detected", "multiple_faces_detected"}


@contextlib.contextmanager
def bench_server(workers: int, **settings: Any) -> Iterator[tuple[str, Any, Settings]]:
    """A real server on loopback with a fresh SQLite database in a temporary directory, no
    Redis and no calibration: ``(url, app context, settings)``; stopped on leaving."""
    with tempfile.TemporaryDirectory() as tmp:
        values: dict[str, Any] = {
            "DATABASE_URL": f"sqlite:///{tmp}/bench.db",
            "data_dir": Path(tmp),
            "analysis_workers": workers,
            "calibration_seconds": 0,
            "redis_url": None,
            **settings,
        }
        config = Settings(**values)
        server, thread, url, ctx = start_server(config)
        try:
            yield url, ctx, config
        finally:
            server.should_exit = True
            thread.join(60)


def start_server(settings: Settings) -> tuple[uvicorn.Server, threading.Thread, str, Any]:
    app = create_app(settings)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", ws="websockets-sansio"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise SystemExit("the server did not start")
        time.sleep(0.05)
    return server, thread, url, app.ctx


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def live_latency(url: str, seconds: float) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=url) as http:
        s = (await http.post("/start-session", json={"name": "Bench"})).json()
    sid = s["session_id"]
    frames = [(EVALSET / "images" / name).read_bytes() for name in CYCLE]
    interviewer = socketio.AsyncClient()
    candidate = socketio.AsyncClient()
    sent_at: list[float] = []
    results: list[tuple[float, float]] = []  # (server latency, send-to-receive latency)

    async def on_event(event: dict[str, Any]) -> None:
        if event["type"] not in FACE_EVENTS or not sent_at:
            return
        now = time.perf_counter()
        # The frame that caused it reached the server latency_ms ago (one clock: same machine);
        # the last frame sent before then is the one.
        arrived = now - event["latency_ms"] / 1000
        cause = max((t for t in sent_at if t <= arrived), default=sent_at[0])
        results.append((event["latency_ms"], (now - cause) * 1000))

    interviewer.on("event", on_event)

    for peer, token, role in (
        (interviewer, s["interviewer_token"], "interviewer"),
        (candidate, s["candidate_token"], "candidate"),
    ):
        await peer.connect(url, auth={"token": token}, transports=["websocket"])
        await peer.call("join", {"session_id": sid, "role": role})
    start = time.perf_counter()
    n = 0
    while time.perf_counter() - start < seconds:
        sent_at.append(time.perf_counter())
        await candidate.call(
            "frame",
            {"session_id": sid, "image": frames[n % len(frames)], "ts": time.time() * 1000},
        )
        n += 1
        await asyncio.sleep(max(0.0, start + n - time.perf_counter()))  # one frame a second
    await asyncio.sleep(2)
    for peer in (interviewer, candidate):
        await peer.disconnect()
    server_ms = [r[0] for r in results]
    loop_ms = [r[1] for r in results]
    return {"frames": n, "events": len(results), "server": server_ms, "loopback": loop_ms}


def report_time(ctx: Any, url: str, runs: int = 5) -> tuple[float, float]:
    thumb = (EVALSET / "images" / "noface_livingroom.jpg").read_bytes()
    with httpx.Client(base_url=url, timeout=300) as http:
        s = http.post("/start-session", json={"name": "Long Session"}).json()
        with ctx.sessions() as db:
            for i in range(500):
                evidence = ctx.storage.save_evidence(s["session_id"], thumb) if i % 5 == 0 else None
                repo.add_event(
                    db,
                    s["session_id"],
                    role="candidate",
                    name="Long Session",
                    type=("looking_away", "no_face_detected", "focus_lost")[i % 3],
                    detail=f"#{i}",
                    source="vision",
                    evidence_path=evidence,
                )
        times, builds = [], []
        headers = {"Authorization": f"Bearer {s['interviewer_token']}"}
        for _ in range(runs):
            t0 = time.perf_counter()
            r = http.get(f"/report/{s['session_id']}", headers=headers)
            times.append((time.perf_counter() - t0) * 1000)
            r.raise_for_status()
            t0 = time.perf_counter()
            with ctx.sessions() as db:
                build_report_data(ctx, db, s["session_id"])
            builds.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), statistics.median(builds)


def bare_analysis_ms(settings: Settings, rounds: int = 3) -> list[float]:
    """Face analysis of the same frames in this process, no server: the floor to compare with."""
    from proctor.vision.pipeline import Pipeline

    pipeline = Pipeline(settings)
    times = []
    for name in CYCLE * rounds:
        data = (EVALSET / "images" / name).read_bytes()
        t0 = time.perf_counter()
        pipeline.analyze_bytes(data, run_objects=False, require_jpeg=True)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def write_section(path: Path, body: str) -> None:
    """Replace this benchmark's block of the ``## Server`` section; notes around it stay."""
    markdown.write_block(path, "Server", "bench/server_latency.py", body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--write", type=Path, help="write the results into this Markdown file")
    args = parser.parse_args(argv)
    if not (EVALSET / "images").is_dir():
        print(f"evaluation set not found at {EVALSET}", file=sys.stderr)
        return 2
    with bench_server(args.workers) as (url, ctx, settings):
        if not ctx.pool.ready:
            print(f"live analysis unavailable: {ctx.pool.error}", file=sys.stderr)
            return 1
        bare = bare_analysis_ms(settings)
        live = asyncio.run(live_latency(url, args.seconds))
        report = report_time(ctx, url)
        stats = ctx.live.stats
        analysis_ms = 1000 * stats.analysis_seconds / max(1, stats.frames_analyzed)
        face = [(a, t) for kind, a, t in stats.event_latency if kind in FACE_EVENTS]
        rest = [t - a for a, t in face]
        load = os.getloadavg()
    if not live["events"]:
        print("no face events were emitted", file=sys.stderr)
        return 1
    s, lb = live["server"], live["loopback"]
    rows = [
        ("frame received → face event emitted (server)", s),
        ("frame sent → face event received (loopback)", lb),
        ("… of which face analysis in the pool", [a for a, _ in face]),
        ("… of which thumbnail, database, score, emit", rest),
        ("face analysis of the same frames in-process, no server", bare),
    ]
    table = "\n".join(
        f"| {name} | {statistics.median(v):.0f} ms | {pct(v, 0.95):.0f} ms | {len(v)} |"
        for name, v in rows
        if v
    )
    body = f"""
`python -m bench.server_latency --seconds {args.seconds:g}`: {args.workers} analysis workers,
SQLite, {os.cpu_count()} cores shared with other work (load average {load[0]:.1f} at the end),
medians and p95 of one run. One candidate sends one real evaluation-set frame a second
({live["frames"]} frames, {analysis_ms:.0f} ms mean face analysis per frame); the frames cycle
through one face, no face and two faces, so face events start and end again and again.

| measure | median | p95 | n |
|---|---|---|---|
{table}
| PDF report of 500 events (100 with evidence), GET /report | {report[0]:.0f} ms | | 5 runs |
| … of which reading the database and evidence files | {report[1]:.0f} ms | | 5 runs |

Target: p95 under 150 ms for face events. Object detection runs beside the face analysis in
another worker, so it does not delay face events.
"""
    print(body)
    if args.write:
        write_section(args.write, body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
