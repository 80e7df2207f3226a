"""Vision pipeline speed and memory on real evaluation frames at 640x480.

Every evaluation image is scaled to 640x480 and JPEG-encoded at the browser's quality, then fed
to ``Pipeline.analyze_bytes``. Per frame: decode, face detection, mesh + iris, objects, the whole
pipeline with and without objects (median and p95), at each thread count (a fresh ``Pipeline``
per setting, as ``PROCTOR_VISION_THREADS`` builds it); frames per second per core; the whole
pipeline over its bare model invocations (its own overhead); and the peak memory of a fresh
process per configuration. Configurations run round-robin, one frame each in turn, so a busy
machine slows all of them alike and their ratios hold. YOLOX-Nano runs beside CenterNet when
../shared/models/yolox_nano.onnx is there.

    python -m bench.vision [--runs 200] [--threads 1 2] [--write docs/PERFORMANCE.md]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from tests.conftest import read_bgr

from bench import markdown
from proctor.config import Settings
from proctor.evaluation.machine import describe, load_average
from proctor.vision.detectors.base import create
from proctor.vision.pipeline import Pipeline

EVALSET = Path(
    os.environ.get("PROCTOR_EVALSET", Path(__file__).resolve().parents[2] / "shared" / "evalset")
)
YOLOX = EVALSET.parent / "models" / "yolox_nano.onnx"
OBJECTS = {"none": "no objects", "centernet": "CenterNet", "onnx-yolox": "YOLOX-Nano"}
STAGES = ("decode", "face_detect", "mesh_iris", "objects", "total", "pipeline", "models", "cpu")


def frames(quality: int) -> list[bytes]:
    """Every evaluation image at 640x480, JPEG-encoded as the candidate's browser sends it."""
    out = []
    for path in sorted((EVALSET / "images").glob("*.jpg")):
        image = cv2.resize(read_bgr(path), (640, 480), interpolation=cv2.INTER_AREA)
        ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if ok:
            out.append(data.tobytes())
    return out


def settings_for(objects: str, threads: int) -> Settings:
    extra: dict[str, object] = {"object_model": objects, "vision_threads": threads}
    if objects == "onnx-yolox":
        extra["object_model_path"] = YOLOX
    return Settings(**extra)  # type: ignore[arg-type]


@dataclass(slots=True)
class Config:
    objects: str
    threads: int
    pipeline: Pipeline
    times: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in STAGES})

    def run(self, data: bytes) -> None:
        # CPU time of the process (every thread): the work itself, whatever the waiting for a
        # core that other processes cause
        cv2.setNumThreads(self.threads)  # process-wide: the last Pipeline built set it
        cpu = time.process_time()
        obs = self.pipeline.analyze_bytes(data, run_objects=self.objects != "none")
        self.times["cpu"].append((time.process_time() - cpu) * 1000.0)
        t = obs.timings_ms
        for key in ("decode", "face_detect", "mesh_iris", "objects", "total", "models"):
            self.times[key].append(t[key])
        self.times["pipeline"].append(t["total"] - t["decode"])


def build(objects: list[str], threads: list[int]) -> list[Config]:
    configs = []
    for n in threads:
        for name in objects:
            settings = settings_for(name, n)
            pipeline = Pipeline(settings, object_detector=create(settings))
            configs.append(Config(name, n, pipeline))
    return configs


def measure(configs: list[Config], data: list[bytes], runs: int) -> None:
    for config in configs:  # warm-up: first calls allocate
        for frame in data[:3]:
            config.pipeline.analyze_bytes(frame, run_objects=config.objects != "none")
    for i in range(runs):
        for config in configs:
            config.run(data[i % len(data)])


def peak_rss_mb(objects: str, threads: int, runs: int, quality: int) -> float:
    """Peak resident memory of a fresh process that builds one pipeline and runs frames."""
    cmd = [sys.executable, "-m", "bench.vision", "--child", objects, "--threads", str(threads)]
    cmd += ["--runs", str(runs), "--quality", str(quality)]
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=root)
    return float(json.loads(done.stdout.strip().splitlines()[-1])["peak_rss_mb"])


def child(objects: str, threads: int, runs: int, quality: int) -> int:
    settings = settings_for(objects, threads)
    pipeline = Pipeline(settings, object_detector=create(settings))
    data = frames(quality)
    for i in range(min(runs, len(data))):
        pipeline.analyze_bytes(data[i], run_objects=objects != "none")
    print(json.dumps({"peak_rss_mb": round(peak_kib() / 1024, 1)}))
    return 0


def peak_kib() -> int:
    """This process's RSS high-water mark in KiB.

    ``VmHWM`` first: ``ru_maxrss`` survives ``exec`` on Linux, so a child started from a big
    parent would report the parent's size.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def p95(values: list[float]) -> float:
    return float(np.percentile(values, 95)) if values else float("nan")


def ratio(config: Config, key: str) -> float:
    """Median over frames of ``key`` time over the bare model time of that frame."""
    pairs = zip(config.times[key], config.times["models"], strict=True)
    return med([t / m for t, m in pairs if m > 0])


def table(configs: list[Config], memory: dict[tuple[str, int], float]) -> str:
    threads = sorted({c.threads for c in configs})
    by = {(c.objects, c.threads): c for c in configs}
    names = [o for o in OBJECTS if any(c.objects == o for c in configs)]
    header = "| ms per frame, median / p95 | " + " | ".join(f"{n} thread(s)" for n in threads)
    lines = [header + " |", "|---|" + "---:|" * len(threads)]

    def row(label: str, cells: list[str]) -> None:
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    def stat(objects: str, key: str) -> list[str]:
        out = []
        for n in threads:
            v = by[objects, n].times[key]
            out.append(f"{med(v):.1f} / {p95(v):.1f}")
        return out

    faces = names[0]
    row("decode (JPEG, 640x480)", stat(faces, "decode"))
    row("face detection", stat(faces, "face_detect"))
    row("mesh + iris (primary face)", stat(faces, "mesh_iris"))
    for name in names[1:]:
        row(f"objects: {OBJECTS[name]}", stat(name, "objects"))
    for name in names:
        row(f"whole pipeline, {OBJECTS[name]}", stat(name, "total"))
    for name in names:
        row(f"… without decode, {OBJECTS[name]}", stat(name, "pipeline"))
    for name in names:
        row(f"CPU ms per frame (all threads), {OBJECTS[name]}", stat(name, "cpu"))
    for name in names:
        cells = [f"{1000 / med(by[name, n].times['cpu']):.1f}" for n in threads]
        row(f"frames/s per core, {OBJECTS[name]}", cells)
    for name in names:
        cells = [
            f"{ratio(by[name, n], 'pipeline'):.3f} ({ratio(by[name, n], 'total'):.3f})"
            for n in threads
        ]
        row(f"pipeline / bare models (with decode), {OBJECTS[name]}", cells)
    for name in names:
        cells = [f"{memory[name, n]:.0f} MB" if (name, n) in memory else "-" for n in threads]
        row(f"peak RSS, fresh process, {OBJECTS[name]}", cells)
    return "\n".join(lines)


BEGIN, END = markdown.markers("bench/vision.py")


def write_section(path: Path, body: str) -> None:
    """Replace this benchmark's block of the ``## Vision`` section; notes around it stay."""
    markdown.write_block(path, "Vision", "bench/vision.py", body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="frames per configuration")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--quality", type=int, default=70, help="JPEG quality of the frames")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory runs")
    parser.add_argument("--write", type=Path, help="update the ## Vision section of this file")
    parser.add_argument("--child", choices=tuple(OBJECTS), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.child, args.threads[0], args.runs, args.quality)
    if not (EVALSET / "images").is_dir():
        print(f"evaluation set not found at {EVALSET}", file=sys.stderr)
        return 2
    objects = ["none", "centernet"] + (["onnx-yolox"] if YOLOX.is_file() else [])
    data = frames(args.quality)
    load_start = load_average()
    memory = {}
    if not args.no_memory:
        for name in objects:
            for n in args.threads:
                memory[name, n] = peak_rss_mb(name, n, args.runs, args.quality)
    started = time.perf_counter()
    configs = build(objects, args.threads)
    measure(configs, data, args.runs)
    seconds = time.perf_counter() - started
    body = report(args, configs, memory, len(data), load_start, seconds)
    print(body)
    if args.write:
        write_section(args.write, body)
    return 0


def report(
    args: argparse.Namespace,
    configs: list[Config],
    memory: dict[tuple[str, int], float],
    images: int,
    load_start: str,
    seconds: float,
) -> str:
    command = f"python -m bench.vision --runs {args.runs} --threads " + " ".join(
        map(str, args.threads)
    )
    return (
        f"`{command}`: {images} evaluation images scaled to 640x480 and JPEG-encoded at quality "
        f"{args.quality}, {args.runs} frames per configuration, configurations interleaved "
        f"frame by frame ({seconds:.0f} s of timing). Machine: {describe()}; load average at "
        f"the start {load_start}. Objects run on every frame of the object rows (the server "
        'runs them on every second frame, in another worker). "Without decode" is '
        "`Pipeline.analyze_image` on the decoded frame; the overhead row divides it (and, in "
        "brackets, the time with decode) by the bare model invocations of the same frame. "
        "Frames per second per core are 1000 / the CPU ms of the whole pipeline (every "
        "thread's CPU time counts), so time spent waiting for a core does not lower them.\n\n"
        + table(configs, memory)
    )


if __name__ == "__main__":
    raise SystemExit(main())
