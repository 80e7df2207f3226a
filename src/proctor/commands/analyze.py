"""``proctor analyze PATH... [--json] [--fps N]``: analyze images, videos and audio recordings.

With ``--json`` each analyzed frame is one JSON object on its own line (the CLI contract);
otherwise one readable line per frame. Unreadable inputs are reported on stderr and skipped;
the exit code is then 1.

On a video the neutral head pose and gaze come from its first seconds, as in a live session
(``Calibrator``, ``PROCTOR_CALIBRATION_SECONDS``); the frames of that window are judged again
against it once it is known, so every frame of the video is judged the same way (their
objects are kept). ``--no-calibrate`` judges every frame against the default neutral, as for
a still image. Beyond the contract's fields each record has ``away_reason`` (why the face looks
away: ``proctor.vision.attention.AWAY_REASONS``), ``calibrated``, and in ``gaze`` the eyes'
rotation in degrees (``horizontal_deg``, ``vertical_deg``) and its offset from the neutral gaze
(``from_neutral_deg``), which the looking-away thresholds apply to.

An audio file (wav, flac, ogg, opus, webm, mp3), and the audio track of a video after its frame
lines, gives one object: ``{"source", "kind": "audio", "duration", "speech": [[start, end], ...],
"voices"}`` (``proctor.audio``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from proctor.audio.analyze import AudioAnalyzer
    from proctor.config import Settings
    from proctor.vision.attention import Calibrator
    from proctor.vision.pipeline import Pipeline
    from proctor.vision.types import Observation


def add_parser(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "analyze",
        help="analyze images, videos or audio recordings",
        description="Count faces, tell whether the main face looks away, find objects; "
        "on audio (and a video's audio track), find speech and count the voices.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="image, video or audio files")
    parser.add_argument("--json", action="store_true", help="one JSON object per frame and line")
    parser.add_argument(
        "--fps", type=float, default=1.0, help="video frames analyzed per second (default 1)"
    )
    parser.add_argument(
        "--objects-every",
        type=int,
        default=1,
        metavar="N",
        help="run the object detector on every N-th analyzed frame of a video; 0: never, "
        "for images too (default 1: every frame); where it did not run, persons and objects "
        "are null",
    )
    parser.add_argument(
        "--no-calibrate",
        dest="calibrate",
        action="store_false",
        help="judge videos against the default neutral pose and gaze instead of the one "
        "calibrated on each video's first seconds (PROCTOR_CALIBRATION_SECONDS)",
    )
    parser.add_argument("--threads", type=int, default=None, help="vision threads per model")
    parser.add_argument(
        "--timings", action="store_true", help="print median stage timings on stderr at the end"
    )
    parser.set_defaults(func=run)


def frame_record(source: str, frame: int, t: float, obs: Observation) -> dict[str, Any]:
    """The contract's JSON object for one frame."""
    data = obs.to_json()
    return {
        "source": source,
        "frame": frame,
        "t": round(t, 3),
        "faces": data["faces"],
        "looking_away": data["looking_away"],
        "away_reason": data["away_reason"],
        "calibrated": data["calibrated"],
        "head_pose": data["head_pose"],
        "gaze": data["gaze"],
        "persons": data["persons"] if obs.objects_ran else None,
        "objects": data["objects"] if obs.objects_ran else None,
    }


def readable(record: dict[str, Any]) -> str:
    """One human-readable line for a frame record."""
    where = f"{record['source']} [frame {record['frame']}, {record['t']:.2f}s]"
    parts = [f"{record['faces']} face{'s' if record['faces'] != 1 else ''}"]
    if record["looking_away"] is not None:
        away = f"looking away ({record['away_reason']})" if record["looking_away"] else "attentive"
        parts.append(away)
    if (pose := record["head_pose"]) is not None:
        parts.append(f"yaw {pose['yaw']:+.0f} pitch {pose['pitch']:+.0f} roll {pose['roll']:+.0f}")
    if (gaze := record["gaze"]) is not None:
        parts.append(f"gaze {gaze['horizontal_deg']:+.0f}°/{gaze['vertical_deg']:+.0f}°")
    if record["persons"] is not None:
        parts.append(f"{record['persons']} person{'s' if record['persons'] != 1 else ''}")
        objects = ", ".join(f"{o['label']} {o['score']:.2f}" for o in record["objects"])
        parts.append(f"objects: {objects or 'none'}")
    return f"{where}: " + "; ".join(parts)


def readable_audio(record: dict[str, Any]) -> str:
    """One human-readable line for an audio record."""
    speech = sum(e - s for s, e in record["speech"])
    return (
        f"{record['source']} [audio, {record['duration']:.1f}s]: {speech:.1f}s of speech in "
        f"{len(record['speech'])} stretch{'es' if len(record['speech']) != 1 else ''}; "
        f"{record['voices']} voice{'s' if record['voices'] != 1 else ''}"
    )


class Progress:
    """A one-line progress bar on a text stream."""

    def __init__(self, stream: TextIO, label: str, total: int) -> None:
        self.stream, self.label, self.total, self.done = stream, label, max(total, 1), 0

    def step(self) -> None:
        self.done += 1
        filled = min(30, 30 * self.done // self.total)
        bar = "#" * filled + "." * (30 - filled)
        self.stream.write(f"\r{self.label} [{bar}] {self.done}/{self.total}")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


class Output:
    """Prints frame records and keeps their stage timings for ``--timings``."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.timings: list[dict[str, float]] = []

    def frame(self, source: str, frame: int, t: float, obs: Observation) -> None:
        record = frame_record(source, frame, t, obs)
        print(json.dumps(record) if self.as_json else readable(record), flush=True)
        self.timings.append(obs.timings_ms)

    def audio(self, record: dict[str, Any]) -> None:
        print(json.dumps(record) if self.as_json else readable_audio(record), flush=True)

    def timing_summary(self) -> str:
        """Median milliseconds per stage, and the whole pipeline over the bare model time."""
        if not self.timings:
            return "timings: no frame analyzed"
        stages = ("decode", "face_detect", "mesh_iris", "objects", "total", "models")
        medians = {k: statistics.median(t.get(k, 0.0) for t in self.timings) for k in stages}
        parts = ", ".join(f"{k} {v:.2f}" for k, v in medians.items())
        ratios = [t["total"] / t["models"] for t in self.timings if t.get("models")]
        overhead = f"; total/models {statistics.median(ratios):.3f}" if ratios else ""
        return f"timings, median ms over {len(self.timings)} frames: {parts}{overhead}"


def _analyze_image(pipeline: Pipeline, path: Path, source: str, args: argparse.Namespace) -> None:
    obs = pipeline.analyze_bytes(path.read_bytes(), run_objects=args.objects_every > 0)
    args.output.frame(source, 0, 0.0, obs)


def _analyze_video(
    pipeline: Pipeline,
    path: Path,
    source: str,
    args: argparse.Namespace,
    calibrator: Calibrator | None,
) -> None:
    from proctor.vision.calibrated import judged_frames
    from proctor.vision.video import sample_frames, video_info

    info = video_info(path)
    show = not args.json or sys.stderr.isatty()
    progress = Progress(sys.stderr, path.name, info.samples(args.fps)) if show else None
    frames = sample_frames(path, args.fps)
    try:
        for frame, obs in judged_frames(pipeline, frames, calibrator, args.objects_every):
            args.output.frame(source, frame.index, frame.t, obs)
            if progress is not None:
                progress.step()
    finally:
        if progress is not None:
            progress.close()


class _Audio:
    """The audio models, loaded on the first audio input only."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._analyzer: AudioAnalyzer | None = None

    def analyze(self, path: Path, source: str, output: Output) -> None:
        if self._analyzer is None:
            from proctor.audio.analyze import AudioAnalyzer

            self._analyzer = AudioAnalyzer(self.settings.models_dir)
        output.audio(self._analyzer.analyze_file(path).record(source))


def _is_image(path: Path) -> bool:
    from proctor.vision.frames import image_format

    with path.open("rb") as f:
        return image_format(f.read(16)) is not None


def run(args: argparse.Namespace) -> int:
    from proctor.audio.decode import AUDIO_SUFFIXES, AudioError, tracks
    from proctor.config import get_settings
    from proctor.vision.attention import Calibrator
    from proctor.vision.detectors.base import ModelMissingError
    from proctor.vision.frames import FrameError
    from proctor.vision.pipeline import Pipeline
    from proctor.vision.video import VIDEO_SUFFIXES, VideoError

    if args.fps <= 0 or args.objects_every < 0 or (args.threads is not None and args.threads < 1):
        print("proctor analyze: --fps and --threads must be positive", file=sys.stderr)
        return 2
    settings = get_settings()
    if args.threads is not None:
        settings = settings.model_copy(update={"vision_threads": args.threads})
    try:
        pipeline = Pipeline(settings)
    except ModelMissingError as exc:
        print(f"proctor analyze: {exc}", file=sys.stderr)
        return 2
    args.output = Output(args.json)
    audio = _Audio(settings)
    failed = 0
    for source in args.paths:
        path = Path(source)
        try:
            if not path.is_file():
                problem = "is a directory" if path.is_dir() else "no such file"
                raise FileNotFoundError(f"{source}: {problem}")
            suffix = path.suffix.lower()
            if _is_image(path):
                _analyze_image(pipeline, path, source, args)
            elif suffix in VIDEO_SUFFIXES | AUDIO_SUFFIXES:
                has_video, has_audio = tracks(path)
                if suffix in VIDEO_SUFFIXES and (has_video or suffix not in AUDIO_SUFFIXES):
                    calibrator = Calibrator.from_settings(settings) if args.calibrate else None
                    _analyze_video(pipeline, path, source, args, calibrator)
                    if has_audio:
                        audio.analyze(path, source, args.output)
                else:
                    audio.analyze(path, source, args.output)
            else:
                raise FrameError(
                    "not_image", "not a JPEG, PNG, WebP or BMP image, nor a video or audio file"
                )
        except FrameError as exc:
            failed += 1
            print(f"proctor analyze: {source}: {exc} ({exc.code})", file=sys.stderr)
        except (OSError, VideoError, AudioError) as exc:
            failed += 1
            print(f"proctor analyze: {exc}", file=sys.stderr)
        except ModelMissingError as exc:
            print(f"proctor analyze: {exc}", file=sys.stderr)
            return 2
    if args.timings:
        print(args.output.timing_summary(), file=sys.stderr)
    return 1 if failed else 0
