"""What the live identity check adds to a candidate's CPU: CPU time per check (decoding the
frame, faceres's first look at the face the vision pipeline found and, when faceres does not
accept it, dlib's descriptor) over the check interval, against the CPU the candidate's frames
already take in the vision pipeline, the live path's way (short-range faces with the
full-range model every ``full_range_every`` frames, objects every ``object_every_n_frames``).

Frames: the evaluation set's webcam clips at 640x480, JPEG at the browser's quality; the
enrolment is the first frame of the first clip (the same man: faceres accepts, the usual case);
frames of the second clip are someone else (dlib decides: the case of an impostor). The
workloads alternate frame by frame, so a busy machine slows all alike and their ratios hold.

    python -m bench.identity_cost [--frames 60] [--write docs/PERFORMANCE.md]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import cv2

from bench import markdown
from proctor.config import Settings
from proctor.identity import worker
from proctor.vision.pipeline import Pipeline

EVALSET = Path(
    os.environ.get("PROCTOR_EVALSET", Path(__file__).resolve().parents[2] / "shared" / "evalset")
)
CLIPS = ("webcam_gaze_center_focus.mp4", "webcam_woman_thumbsup.mp4")


def clip_frames(count: int, quality: int) -> list[bytes]:
    out: list[bytes] = []
    for clip in CLIPS:
        cap = cv2.VideoCapture(str(EVALSET / "videos" / clip))
        while len(out) < count * (CLIPS.index(clip) + 1) // len(CLIPS):
            ok, frame = cap.read()
            if not ok:
                break
            frame = cv2.resize(frame, (640, 480), interpolation=cv2.INTER_AREA)
            ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
            out.append(bytes(data.tobytes()))
        cap.release()
    return out


def run(count: int) -> dict[str, float]:
    settings = Settings()
    pipeline = Pipeline(settings)
    frames = clip_frames(count, round(settings.jpeg_quality * 100))
    limit, side = settings.max_frame_bytes, settings.max_image_side
    enrolled = worker.enrol(frames[0], max_bytes=limit, max_side=side, spoof=False)
    assert enrolled.embedding is not None, enrolled.message
    refs = (enrolled.embedding, enrolled.screen_embedding)
    per_frame: list[float] = []
    per_check: dict[str, list[float]] = {"faceres": [], "dlib": []}
    for n, data in enumerate(frames):
        full = n % settings.full_range_every == 0
        objects = n % settings.object_every_n_frames == 0
        start = time.process_time()
        obs = pipeline.analyze_bytes(
            data, run_objects=objects, full_range=full, gaze_when_away=False
        )
        per_frame.append((time.process_time() - start) * 1000)
        if obs.face_count != 1:
            continue
        start = time.process_time()
        found = worker.live_check(data, obs.faces[0].box, *refs, max_bytes=limit, max_side=side)
        if found is not None:
            per_check[found[0]].append((time.process_time() - start) * 1000)
    # Frames alternate between costs (objects every other frame): their mean is the load.
    frame_ms = statistics.fmean(per_frame)
    fps = 1000 / settings.frame_interval_ms
    candidate_ms_per_s = frame_ms * fps
    result: dict[str, float] = {
        "frames": len(per_frame),
        "frame_cpu_ms_mean": round(frame_ms, 1),
        "frames_per_s": fps,
        "identity_every_s": settings.identity_every_s,
        "candidate_cpu_ms_per_s": round(candidate_ms_per_s, 1),
    }
    for model, values in per_check.items():
        check_ms = statistics.median(values)
        result[f"checks_{model}"] = len(values)
        result[f"check_cpu_ms_median_{model}"] = round(check_ms, 1)
        share = check_ms / settings.identity_every_s / candidate_ms_per_s
        result[f"share_{model}"] = round(share, 4)
    return result


def block(r: dict[str, float]) -> str:
    every = f"{r['identity_every_s']:g}"
    return "\n".join(
        [
            f"Measured by `python -m bench.identity_cost --frames {r['frames']}` (CPU time, one "
            "process, one thread; frames: mean over the live path's mix, checks: medians):",
            "",
            "| per candidate | CPU | over the frames' CPU |",
            "|---|---:|---:|",
            f"| frames, {r['frames_per_s']:g} a second ({r['frame_cpu_ms_mean']} ms each) | "
            f"{r['candidate_cpu_ms_per_s']} ms/s | |",
            f"| a check faceres accepts (the same person; {r['checks_faceres']:g} checks) | "
            f"{r['check_cpu_ms_median_faceres']} ms every {every} s | "
            f"**{100 * r['share_faceres']:.1f}%** |",
            f"| a check dlib decides (someone else; {r['checks_dlib']:g} checks) | "
            f"{r['check_cpu_ms_median_dlib']} ms every {every} s | "
            f"{100 * r['share_dlib']:.1f}% |",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--write", type=Path, help="update the block in this Markdown file")
    args = parser.parse_args()
    result = run(args.frames)
    print(json.dumps(result, indent=2))
    if args.write:
        markdown.write_block(args.write, "Identity checks", "identity-cost", block(result))


if __name__ == "__main__":
    main()
