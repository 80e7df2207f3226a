"""``proctor loadtest --url U --candidates N --fps F --duration S``: load running servers with
simulated candidates (real JPEG frames) and interviewers, and account for every frame and event.

Exit code 1 when the accounting does not add up (an event lost, a frame unaccounted for).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "loadtest",
        help="load running servers with simulated candidates",
        description=(
            "Each simulated candidate starts a session over REST, joins over Socket.IO and "
            "sends real JPEG frames at --fps; an interviewer per session receives the events. "
            "Reports frames sent, analysed and dropped, events stored and received (lost ones "
            "too), frame-to-event latency and the servers' CPU and memory."
        ),
    )
    parser.add_argument(
        "--url",
        action="append",
        required=True,
        help="server base URL; repeat for several nodes (interviewers join the next node)",
    )
    parser.add_argument("--candidates", type=int, default=10, help="simulated candidates")
    parser.add_argument("--fps", type=float, default=1.0, help="frames per second per candidate")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of sending")
    parser.add_argument(
        "--frames",
        type=Path,
        default=None,
        help="directory of images (default: ../shared/evalset/images when present)",
    )
    parser.add_argument(
        "--event-every",
        type=float,
        default=10.0,
        metavar="S",
        help="each candidate also sends a browser event every S seconds (0: never)",
    )
    parser.add_argument(
        "--server-pid",
        type=int,
        action="append",
        default=[],
        help="a server's process id, for CPU and memory with its workers (repeatable)",
    )
    parser.add_argument(
        "--audio",
        choices=("interview", "exam"),
        default=None,
        help="each candidate also streams its microphone (a recording), in sessions of this mode",
    )
    parser.add_argument(
        "--audio-file",
        type=Path,
        default=None,
        help="the recording (default: ../shared/evalset's turn-taking recording when present)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import asyncio

    try:
        from proctor.loadtest.runner import LoadTest
        from proctor.loadtest.runner import run as run_test
    except ImportError as exc:
        print(f"proctor loadtest: {exc}: pip install 'proctor[loadtest]'", file=sys.stderr)
        return 2
    from proctor.loadtest.frames import default_frames_dir, load_frames

    if args.candidates < 1 or args.fps <= 0 or args.duration <= 0:
        print(
            "proctor loadtest: --candidates, --fps and --duration must be positive", file=sys.stderr
        )
        return 2
    directory = args.frames or default_frames_dir()
    if directory is None or not directory.is_dir():
        print("proctor loadtest: no frames directory: pass --frames DIR", file=sys.stderr)
        return 2
    try:
        frames = load_frames(directory)
    except (OSError, ValueError) as exc:
        print(f"proctor loadtest: {exc}", file=sys.stderr)
        return 2
    feed = None
    if args.audio:
        from proctor.loadtest.audio import default_recording, load_feed

        recording = args.audio_file or default_recording()
        if recording is None or not recording.is_file():
            print("proctor loadtest: no recording: pass --audio-file FILE", file=sys.stderr)
            return 2
        try:
            feed = load_feed(recording, args.audio, args.duration)
        except (OSError, ValueError) as exc:
            print(f"proctor loadtest: {exc}", file=sys.stderr)
            return 2
    test = LoadTest(
        urls=[u.rstrip("/") for u in args.url],
        candidates=args.candidates,
        fps=args.fps,
        duration=args.duration,
        frames=frames,
        event_every=args.event_every,
        audio=feed,
        server_pids=args.server_pid,
    )
    try:
        report = asyncio.run(run_test(test))
    except (OSError, RuntimeError) as exc:
        print(f"proctor loadtest: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report.to_json(), indent=2) if args.json else report.text())
    return 1 if report.problems else 0
