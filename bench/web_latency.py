"""Web latency with the real browser and the real server, on loopback.

1. Page load → first remote frame: the interviewer opens the room while the candidate is
   streaming; time from the navigation start to the first video frame presented
   (requestVideoFrameCallback), over several fresh page loads.
2. Frame sent → event shown: the candidate's fake camera alternates a phone held at a webcam and
   an empty room, so vision events start again and again; for each new item in the
   interviewer's events panel, the time since the candidate's page sent the last frame before it.

Both pages share one machine clock (performance.timeOrigin + performance.now()). Usage:

    python -m bench.web_latency [--loads 8] [--seconds 90] [--write docs/PERFORMANCE.md]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, sync_playwright
from tests.conftest import EVALSET_DIR
from tests.e2e.rooms import open_candidate
from tests.e2e.support import CHROMIUM, chromium_args, make_clip, run_server

from bench import markdown

PHONE = EVALSET_DIR / "phones" / "images" / "phone_dev_005.jpg"
EMPTY_ROOM = EVALSET_DIR / "images" / "noface_livingroom.jpg"
VISION_TYPES = {"no_face_detected", "multiple_faces_detected", "looking_away", "object_detected"}

# Records when the page sends a JPEG frame (a binary WebSocket message of some size).
CANDIDATE_PROBE = """
window.__frameSends = [];
const send = WebSocket.prototype.send;
WebSocket.prototype.send = function (data) {
  const size = data && (data.byteLength ?? data.size ?? 0);
  if (typeof data !== 'string' && size > 5000) {
    window.__frameSends.push(performance.timeOrigin + performance.now());
  }
  return send.call(this, data);
};
"""

# Records the first frame presented by any <video> showing a remote stream, and every new
# item of the events panel.
INTERVIEWER_PROBE = """
window.__firstFrameMs = null;
window.__shown = [];
const watched = new WeakSet();
new MutationObserver((records) => {
  const now = performance.timeOrigin + performance.now();
  for (const r of records) for (const n of r.addedNodes) {
    if (!(n instanceof Element)) continue;
    for (const item of [n, ...n.querySelectorAll('.event-item')]) {
      if (item.matches && item.matches('.event-item')) {
        window.__shown.push({type: item.dataset.type, detail: item.dataset.detail || '', t: now});
      }
    }
    for (const v of [n, ...n.querySelectorAll('video')]) {
      if (v.tagName === 'VIDEO' && !watched.has(v) && v.requestVideoFrameCallback) {
        watched.add(v);
        v.requestVideoFrameCallback(() => {
          if (window.__firstFrameMs === null) window.__firstFrameMs = performance.now();
        });
      }
    }
  }
}).observe(document, {childList: true, subtree: true});
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def open_interviewer(browser: Browser, url: str) -> tuple[Any, Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.add_init_script(INTERVIEWER_PROBE)
    page = context.new_page()
    page.goto(url)
    return context, page


def first_frame_times(browser: Browser, url: str, loads: int) -> list[float]:
    times = []
    for _ in range(loads):
        context, page = open_interviewer(browser, url)
        # Functions, not expressions: the page's CSP forbids eval of a string expression.
        page.wait_for_function("() => window.__firstFrameMs !== null", timeout=30_000)
        times.append(float(page.evaluate("window.__firstFrameMs")))
        context.close()
    return times


def event_latencies(candidate: Page, interviewer: Page, seconds: float) -> list[float]:
    interviewer.wait_for_timeout(seconds * 1000)
    sends: list[float] = candidate.evaluate("window.__frameSends")
    shown: list[dict[str, Any]] = interviewer.evaluate("window.__shown")
    latencies = []
    for item in shown:
        if item["type"] not in VISION_TYPES:
            continue
        before = [s for s in sends if s <= item["t"]]
        if before:
            latencies.append(item["t"] - before[-1])
    return latencies


def summary(name: str, values: list[float], target_ms: float) -> str:
    if not values:
        return f"| {name} | 0 | n/a | n/a | n/a | < {target_ms:.0f} ms |"
    return (
        f"| {name} | {len(values)} | {statistics.median(values):.0f} ms | "
        f"{percentile(values, 0.95):.0f} ms | {max(values):.0f} ms | < {target_ms:.0f} ms |"
    )


def write_section(path: Path, body: str) -> None:
    """Replace this benchmark's block of the ``## Web`` section; notes around it stay."""
    markdown.write_block(path, "Web", "bench/web_latency.py", body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=8, help="interviewer page loads (default 8)")
    parser.add_argument("--seconds", type=float, default=90, help="event phase length (default 90)")
    parser.add_argument("--write", type=Path, help="update the ## Web section of this file")
    args = parser.parse_args(argv)
    load = os.getloadavg()[0]  # other work on the machine skews every number here
    for needed in (CHROMIUM, PHONE, EMPTY_ROOM):
        if not needed.exists():
            print(f"missing: {needed}", file=sys.stderr)
            return 2

    with tempfile.TemporaryDirectory(prefix="web-latency-") as tmp, run_server(Path(tmp)) as srv:
        if (state := srv.wait_analysis()) != "ok":
            print(f"the server cannot analyze frames: {state} (run `make models`)", file=sys.stderr)
            return 2
        clip = make_clip([PHONE, EMPTY_ROOM], Path(tmp) / "cycle.y4m", seconds_each=6.0)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=chromium_args(clip)
            )
            session = srv.post_json("/start-session", {"name": "Bench"})
            _, candidate = open_candidate(browser, session["candidate_url"], CANDIDATE_PROBE)
            first = first_frame_times(browser, session["interviewer_url"], args.loads)
            print("first remote frame, each load (ms):", [round(t) for t in first])
            _, interviewer = open_interviewer(browser, session["interviewer_url"])
            events = event_latencies(candidate, interviewer, args.seconds)
            browser.close()

    cores = len(os.sched_getaffinity(0))
    body = "\n".join(
        [
            "Real Chromium (headless, fake camera from evaluation images), real server with the",
            f"real models, loopback, {cores} cores, 1-min load average {load:.1f} at the start"
            " (other work on the machine slows every step). "
            f"`python -m bench.web_latency --loads {args.loads} --seconds {args.seconds:.0f}`.",
            "",
            "| measure | n | median | p95 | max | target |",
            "|---|---|---|---|---|---|",
            summary("page load → first remote frame (interviewer)", first, 1500),
            summary("frame sent → event shown in the panel", events, 1000),
            "",
            "The first is from the interviewer page's navigation start, through Socket.IO join,",
            "WebRTC signaling, ICE and DTLS, to the first decoded frame. The second is from the",
            "candidate page sending the last frame before the event to the event's item appearing",
            "(the detectors need two frames of evidence: the one before it went 1 s earlier).",
        ]
    )
    print(body)
    if args.write:
        write_section(args.write, body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
