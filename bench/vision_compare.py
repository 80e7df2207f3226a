"""Before and after for the face pipeline: this tree against another checkout's ``src``.

Each round runs one fresh process per tree over every evaluation frame at 640x480 (faces only,
one thread, as ``bench.vision`` feeds them) and reports the median pipeline time, bare model
time and their per-frame ratio; the trees alternate round by round, so other work on the
machine weighs on both alike, and the table gives the median over rounds. Usage:

    python -m bench.vision_compare --baseline-src OLD/src [--rounds 6] [--passes 8]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def child(passes: int) -> int:
    """Measure the ``proctor`` first on the path; print one JSON line."""
    from bench.vision import frames, settings_for

    import proctor
    from proctor.vision.detectors.base import create
    from proctor.vision.pipeline import Pipeline

    settings = settings_for("none", 1)
    pipeline = Pipeline(settings, object_detector=create(settings))
    data = frames(70)
    for frame in data[:3]:
        pipeline.analyze_bytes(frame, run_objects=False)
    pipe, models, ratio = [], [], []
    for _ in range(passes):
        for frame in data:
            t = pipeline.analyze_bytes(frame, run_objects=False).timings_ms
            pipe.append(t["total"] - t["decode"])
            models.append(t["models"])
            ratio.append((t["total"] - t["decode"]) / t["models"])
    print(
        json.dumps(
            {
                "src": str(Path(proctor.__file__).parents[1]),
                "pipeline_ms": statistics.median(pipe),
                "models_ms": statistics.median(models),
                "overhead_ms": statistics.median(p - m for p, m in zip(pipe, models, strict=True)),
                "ratio": statistics.median(ratio),
            }
        )
    )
    return 0


def run_tree(src: Path, passes: int) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(src), str(ROOT)]))
    cmd = [sys.executable, "-m", "bench.vision_compare", "--child", "--passes", str(passes)]
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if Path(result.pop("src")) != src:  # an installed copy shadowed the tree asked for
        raise SystemExit(f"measured the wrong tree (wanted {src})")
    return {key: float(value) for key, value in result.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline-src", type=Path, help="the other checkout's src directory")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--passes", type=int, default=8, help="passes over the frames a round")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.passes)
    if args.baseline_src is None or not (args.baseline_src / "proctor").is_dir():
        parser.error("--baseline-src must be a src directory holding the proctor package")
    trees = {"baseline": args.baseline_src.resolve(), "this tree": ROOT / "src"}
    results: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    for _ in range(args.rounds):
        for name, src in trees.items():
            results[name].append(run_tree(src, args.passes))
    print(
        f"`python -m bench.vision_compare --rounds {args.rounds} --passes {args.passes}`: "
        "faces only, one thread, medians over rounds of per-frame medians\n"
    )
    print("| tree | pipeline ms | bare models ms | overhead ms | pipeline / models |")
    print("|---|---:|---:|---:|---:|")
    for name, rows in results.items():
        cells = [
            statistics.median(r[key] for r in rows)
            for key in ("pipeline_ms", "models_ms", "overhead_ms")
        ]
        ratio = statistics.median(r["ratio"] for r in rows)
        print(f"| {name} | " + " | ".join(f"{c:.2f}" for c in cells) + f" | {ratio:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
