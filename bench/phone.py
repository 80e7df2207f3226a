"""The phone model's cost beside the object model it runs with.

Round-robin on real evaluation images scaled to 640x480 (one call of each in turn, so a busy
machine slows both alike): CenterNet's full ``detect()``, the phone model's one pass, the phone
model with its mirrored second look alone (a pass over the mirrored frame where a box is unsure),
and the default detector (CenterNet and the phone model, CenterNet's phones confirming its unsure
boxes before the mirrored pass is needed). Prints medians and means
in ms (the second look runs on some frames only, so its mean is its cost) and the ratios,
measured in one run.

    python -m bench.phone [--runs 100] [--threads 1] [--other MODEL.onnx] [--settings JSON]
        [--phone-frames N]

``--other`` times a second phone model of the same shape in the same round-robin (e.g. an
earlier model from git history: ``git show REV:src/proctor/vision/weights/phone_yolox_nano.onnx``).
``--settings`` times the default detector a second time with some settings changed (e.g. an
earlier second look), and ``--phone-frames`` adds that many dev phone frames to the images, so
that unsure boxes come up.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import cv2
from tests.conftest import EVALSET_DIR, read_bgr

from proctor.config import Settings
from proctor.evaluation.machine import describe
from proctor.vision.detectors.base import create
from proctor.vision.detectors.phone import SecondLook, live_phone_detector, phone_detector


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--other", type=Path, help="another phone model, timed alongside")
    parser.add_argument(
        "--settings",
        type=json.loads,
        help="the default detector again with these settings changed, timed alongside, e.g. "
        "'{\"phone_unsure_score\": 0.4}'",
    )
    parser.add_argument(
        "--phone-frames", type=int, default=0, help="add this many dev phone frames"
    )
    args = parser.parse_args()
    unknown = set(args.settings or {}) - set(Settings.model_fields)
    if unknown:
        parser.error(f"no such settings: {', '.join(sorted(unknown))}")
    settings = Settings(vision_threads=args.threads)
    plain = create(settings.model_copy(update={"phone_model": "none"}))
    phones = phone_detector(settings)
    looked = live_phone_detector(settings)
    both = create(settings)
    files = sorted(Path(EVALSET_DIR / "images").glob("*.jpg"))
    files += sorted(Path(EVALSET_DIR / "phones" / "images").glob("*.jpg"))[: args.phone_frames]
    frames = [cv2.resize(read_bgr(f), (640, 480)) for f in files]
    calls = {
        "object model": plain.detect,
        "phone model": phones.detect,
        "second look": looked.detect,
        "together": both.detect,
    }
    if args.other:
        calls["other phone"] = phone_detector(settings, args.other).detect
    changed = create(settings.model_copy(update=args.settings)) if args.settings else None
    if changed is not None:
        calls["changed"] = changed.detect
    times: dict[str, list[float]] = {name: [] for name in calls}
    for i in range(args.runs):
        frame = frames[i % len(frames)]
        for name, call in calls.items():
            start = time.perf_counter()
            call(frame)
            times[name].append((time.perf_counter() - start) * 1000)
    base = statistics.median(times["object model"])
    print(describe())
    print(f"{args.runs} frames of 640x480, {args.threads} thread(s); {plain.name} + phone model")
    for name, values in times.items():
        med, mean = statistics.median(values), statistics.mean(values)
        print(
            f"{name:>13}: median {med:6.1f} ms, mean {mean:6.1f} ms  "
            f"({med / base:.2f}x / {mean / statistics.mean(times['object model']):.2f}x "
            "the object model)"
        )
    if isinstance(looked, SecondLook):
        print(f"the mirrored pass ran on {looked.second_looks} of {args.runs} frames alone")
    for name, detector in (("the default detector", both), ("the changed one", changed)):
        looking = getattr(detector, "phones", None)
        if isinstance(looking, SecondLook):
            print(f"and on {looking.second_looks} of {args.runs} frames in {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
