"""Before and after: the servers of two source trees side by side on one node, each at the same
fixed numbers of candidates, runs alternating between the two so that other work on the machine
weighs on both alike. Usage:

    python -m bench.load_compare --baseline-src OLD/src [--candidates 8 16 24 32 40]
        [--databases sqlite postgres] [--seconds 30] [--together] [--write docs/PERFORMANCE.md]

``--together`` loads both at once instead (each with N candidates): the two share the machine,
and whatever else runs on it, alike, so the comparison holds on a busy machine; each gets about
half of it, so the N that pass are about half those of a machine of its own.

``OLD/src`` is the ``src`` directory of another checkout (the servers started from it get it
first on ``PYTHONPATH``); the load generator is this tree's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from bench.load import one_run, passes, write_block
from bench.load_nodes import database, nodes

from proctor.loadtest.frames import default_frames_dir, load_frames
from proctor.loadtest.report import Report
from proctor.loadtest.runner import LoadTest, run

HEADER = (
    "| database | N | servers | p50 ms | p95 ms | p99 ms | lost | frames analysed / dropped "
    "| object rate | CPU % | CPU % per candidate | load |\n" + "|---" * 12 + "|"
)


def row(kind: str, n: int, variant: str, r: Report, p95_ms: float) -> str:
    s, cpu = r.server, r.usage.get("cpu_percent") or 0.0
    verdict = "" if passes(r, p95_ms) else " (fails)"
    return (
        f"| {kind} | {n} | {variant}{verdict} | {r.latency(0.5)} | {r.latency(0.95)} | "
        f"{r.latency(0.99)} | {len(r.lost_events)} | {s['frames_analyzed']} / "
        f"{s['frames_dropped']} | {s.get('object_rate')} | {cpu:.0f} | {cpu / n:.1f} | "
        f"{r.load_average[0]:.1f} |"
    )


def compare(args: argparse.Namespace, kind: str) -> tuple[list[str], dict[str, int]]:
    """Rows for one database, and the largest passing N of each variant."""
    variants = {"before": {"PYTHONPATH": str(args.baseline_src)}, "after": {}}
    with ExitStack() as stack:
        servers = {}
        for name, extra in variants.items():
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            db = stack.enter_context(database(kind, tmp))
            [(url, proc)] = stack.enter_context(nodes(1, args.workers, db, tmp, extra))
            servers[name] = ([url], [proc.pid])
            one_run(*servers[name], 2, args, seconds=10)  # warm-up
        rows, best = [], dict.fromkeys(variants, 0)
        for i, n in enumerate(args.candidates):
            if args.together:
                reports = at_once(servers, n, args)
            else:
                order = list(variants) if i % 2 == 0 else list(reversed(variants))
                reports = {name: one_run(*servers[name], n, args) for name in order}
            for name, report in reports.items():
                rows.append(row(kind, n, name, report, args.p95_ms))
                if passes(report, args.p95_ms):
                    best[name] = max(best[name], n)
        return rows, best


def at_once(
    servers: dict[str, tuple[list[str], list[int]]], n: int, args: argparse.Namespace
) -> dict[str, Report]:
    """One load test against each server, all running at the same time."""
    frames = load_frames(args.frames)
    tests = {
        name: LoadTest(urls, n, args.fps, args.seconds, frames, server_pids=pids)
        for name, (urls, pids) in servers.items()
    }

    async def all_of_them() -> list[Report]:
        return list(await asyncio.gather(*(run(t) for t in tests.values())))

    reports = dict(zip(tests, asyncio.run(all_of_them()), strict=True))
    for name, r in reports.items():
        print(f"--- N={n}, {name}: {'pass' if passes(r, args.p95_ms) else 'FAIL'}\n{r.text()}\n")
    return reports


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline-src", type=Path, required=True)
    parser.add_argument("--candidates", type=int, nargs="+", default=[8, 16, 24, 32, 40])
    parser.add_argument("--databases", nargs="+", choices=["sqlite", "postgres"])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--fps", type=float, default=1.0)
    parser.add_argument("--p95-ms", type=float, default=500)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--together", action="store_true", help="load both servers at once")
    parser.add_argument("--frames", type=Path, default=default_frames_dir())
    parser.add_argument("--write", type=Path, help="write the results into this Markdown file")
    args = parser.parse_args(argv)
    if not (args.baseline_src / "proctor").is_dir():
        print(f"{args.baseline_src}: no proctor package in it", file=sys.stderr)
        return 2
    if args.frames is None:
        print("no frames directory (../shared/evalset/images): pass --frames", file=sys.stderr)
        return 2
    rows, summary = [], []
    for kind in args.databases or ["sqlite", "postgres"]:
        found, best = compare(args, kind)
        rows += found
        summary.append(
            f"- {kind}: largest passing N of those tried: before {best['before'] or 'none'}, "
            f"after {best['after'] or 'none'}"
        )
    load = os.getloadavg()
    flag, how = "", "one loaded while the other idles, runs alternating"
    if args.together:
        flag = " --together"
        how = "both loaded at the same time, N candidates each (each gets about half the machine)"
    body = f"""
`python -m bench.load_compare --baseline-src OLD/src --candidates \
{" ".join(map(str, args.candidates))} --seconds {args.seconds:g}{flag}`: one node ×
{args.workers} workers of each tree, both started at once; {how}; one run per row (no repeat),
pass as above; load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the end.

{chr(10).join(summary)}

{HEADER}
{chr(10).join(rows)}
"""
    print(body)
    if args.write:
        write_block(args.write, "bench/load_compare.py", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
