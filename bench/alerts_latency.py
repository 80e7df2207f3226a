"""Alerts and the live path: face event latency with no alert receiver, and with one that takes
5 s to answer each alert, in one run (the same frames, server and machine).

Every face event (no face, several faces) is made critical, with no rate limit, so each one
writes an alert and the slow receiver holds the sender threads the whole time. Usage:

    python -m bench.alerts_latency [--seconds 90] [--rounds 2] [--write docs/PERFORMANCE.md]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench.server_latency import EVALSET, bench_server, live_latency, pct

from bench import markdown

SLOW_S = 5.0


class _Slow(BaseHTTPRequestHandler):
    received = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).received += 1
        time.sleep(SLOW_S)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


def run(seconds: float, workers: int, alert_url: str | None) -> dict[str, Any]:
    alerts: dict[str, Any] = {}
    if alert_url:
        alerts = {
            "alert_urls": [alert_url],
            "alert_events": "no_face_detected,multiple_faces_detected",
            "alert_max_per_minute": 1000,
            "alert_timeout_seconds": 30,
        }
    with bench_server(workers, **alerts) as (url, ctx, _):
        if not ctx.pool.ready:
            raise SystemExit(f"live analysis unavailable: {ctx.pool.error}")
        return asyncio.run(live_latency(url, seconds))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=90)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--write", type=Path, help="write the results into this Markdown file")
    args = parser.parse_args(argv)
    if not (EVALSET / "images").is_dir():
        print(f"evaluation set not found at {EVALSET}", file=sys.stderr)
        return 2
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    receiver.daemon_threads = True
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    # rto: Apprise waits up to 30 s for the answer (4 s by default), so each alert holds a
    # sender thread the whole 5 s
    slow_url = f"json://127.0.0.1:{receiver.server_address[1]}/alerts?rto=30"
    calm: dict[str, Any] = {"frames": 0, "server": []}
    slow: dict[str, Any] = {"frames": 0, "server": []}
    for _ in range(args.rounds):  # alternated, so drifts of the machine's load hit both
        for result, alert_url in ((calm, None), (slow, slow_url)):
            got = run(args.seconds, args.workers, alert_url)
            result["frames"] += got["frames"]
            result["server"] += got["server"]
    receiver.shutdown()
    rows = []
    for name, result in (
        ("no alert receiver", calm),
        (f"receiver answering in {SLOW_S:g} s", slow),
    ):
        s = result["server"]
        if not s:
            print(f"{name}: no face events", file=sys.stderr)
            return 1
        rows.append(
            f"| {name} | {statistics.median(s):.0f} ms | {pct(s, 0.95):.0f} ms | {len(s)} |"
        )
    ratio = pct(slow["server"], 0.95) / max(1e-9, pct(calm["server"], 0.95))
    body = f"""
`python -m bench.alerts_latency --seconds {args.seconds:g} --rounds {args.rounds}`:
{args.workers} analysis workers, SQLite, {os.cpu_count()} cores shared with other work; servers
without and with alerts in turn, {args.rounds} of each in one run, each fed one real frame a
second ({calm["frames"]} and {slow["frames"]} frames in all) cycling through one face, no face
and two faces. In the second, every face event is an alert to a
`json://` receiver that takes {SLOW_S:g} s to answer ({_Slow.received} alerts reached it).

| frame received → face event emitted | median | p95 | events |
|---|---|---|---|
{chr(10).join(rows)}

p95 with the slow receiver / without: {ratio:.2f}.
"""
    print(body)
    if args.write:
        markdown.write_block(args.write, "Server", "bench/alerts_latency.py", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
