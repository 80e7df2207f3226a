"""Live audio cost: CPU milliseconds per candidate-second, as the server spends it.

Each recording of ../shared/evalset/audio is sent as the candidate's page sends it (WebM/Opus,
24 kbit/s, cut every second: ``tests.audio.chunks``) through what the audio process runs for
one candidate (``audio.worker.feed`` minus the IPC): Opus demuxing and decoding
(``OpusStream``), then ``LiveAudio`` with the real Silero VAD and, in an interview, the real
speaker encoder. CPU time (``time.process_time``) is split by stage: ``decode`` (Opus to 16 kHz),
``vad`` (Silero), ``embed`` (mel features and the speaker encoder) and ``rest`` (the smoothing,
the event rules and the ring buffer). The recordings are meetings: speech most of the time,
the expensive case. Two quiet cases are reported beside them: ``meeting_trn02`` (a meeting
room where 0.7 s of 30 is labelled speech) and 30 s of a muted microphone.

    python -m bench.audio_live [--runs 3] [--modes exam interview]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tests.audio.chunks import webm_chunks
from tests.conftest import EVALSET_DIR

from proctor.audio.decode import SAMPLE_RATE, decode
from proctor.audio.encoder import WINDOW_SAMPLES, SpeakerEncoder
from proctor.audio.labels import load_clips
from proctor.audio.live import LiveAudio, LiveAudioParams, Mode
from proctor.audio.models import encoder_path
from proctor.audio.stream import OpusStream
from proctor.audio.vad import VadStream
from proctor.config import get_settings

STAGES = ("decode", "vad", "embed", "rest")
QUIET = "meeting_trn02.wav"
MUTED = "muted microphone"


@dataclass(slots=True)
class Clock:
    """CPU seconds spent per stage of one run."""

    spent: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))


class TimedVad(VadStream):
    def __init__(self, clock: Clock) -> None:
        super().__init__()
        self.clock = clock

    def feed(self, samples: np.ndarray) -> np.ndarray:
        start = time.process_time()
        out = super().feed(samples)
        self.clock.spent["vad"] += time.process_time() - start
        return out


class TimedEncoder(SpeakerEncoder):
    """One encoder for every run, as the audio process loads it once (a fresh ONNX Runtime
    session's first call also prepares its weights, which a live server pays once); the live
    path's, in int8."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, int8=True)
        self.clock = Clock()

    def embed(self, windows: list[np.ndarray]) -> np.ndarray:
        start = time.process_time()
        out = super().embed(windows)
        self.clock.spent["embed"] += time.process_time() - start
        return out


def run_once(
    chunks: list[bytes],
    mode: Mode,
    encoder: TimedEncoder,
    params: LiveAudioParams,
    voice: np.ndarray | None = None,
) -> tuple[dict[str, float], float, LiveAudio]:
    """One candidate's stream through the live path: (CPU seconds by stage, audio seconds,
    the LiveAudio); ``voice`` starts it with the candidate's voice already learned."""
    clock = encoder.clock = Clock()
    live = LiveAudio(mode, TimedVad(clock), encoder if mode == "interview" else None, params)
    live.voice = voice
    opus = OpusStream()
    total = heard = 0.0
    for k, data in enumerate(chunks):
        start = time.process_time()
        samples = opus.feed(data)
        clock.spent["decode"] += time.process_time() - start
        live.feed(samples, 1000.0 + k)
        total += time.process_time() - start
        heard += len(samples) / SAMPLE_RATE
    clock.spent["rest"] = total - sum(v for s, v in clock.spent.items() if s != "rest")
    return clock.spent, heard, live


def measure(
    streams: dict[str, list[bytes]],
    mode: Mode,
    runs: int,
    models_dir: Path,
    judge_every: int = 1,
) -> dict[str, dict[str, float]]:
    """Median CPU ms per candidate-second, by stream and stage (runs interleaved).

    An interview is measured in its steady state: the candidate's voice is already learned (from
    the recording's first chunk of speech, in an untimed pass), so ``judge_every`` applies from
    the start. Enrolment, once per session, embeds every chunk of the first 20 s of speech:
    the same cost per second as ``judge_every=1``.
    """
    encoder = TimedEncoder(encoder_path(models_dir, verify=True))
    encoder.embed([np.zeros(WINDOW_SAMPLES, dtype=np.float32)] * 3)  # the session's first call
    VadStream().feed(np.zeros(SAMPLE_RATE, dtype=np.float32))
    params = LiveAudioParams(judge_every=judge_every)
    voices: dict[str, np.ndarray | None] = dict.fromkeys(streams)
    if mode == "interview":
        first = LiveAudioParams(enroll_s=0.1)
        voices = {n: run_once(c, mode, encoder, first)[2].voice for n, c in streams.items()}
    per: dict[str, dict[str, list[float]]] = {n: {s: [] for s in STAGES} for n in streams}
    for _ in range(runs):
        for name, chunks in streams.items():
            spent, heard, _ = run_once(chunks, mode, encoder, params, voices[name])
            for stage in STAGES:
                per[name][stage].append(1000 * spent[stage] / heard)
    return {n: {s: statistics.median(v) for s, v in st.items()} for n, st in per.items()}


def recordings(evalset: Path) -> dict[str, list[bytes]]:
    """Every labelled recording, and the muted microphone, as the page's 1 s chunks."""
    streams = {c.name: webm_chunks(decode(c.path)) for c in load_clips(evalset / "audio")}
    streams[MUTED] = webm_chunks(np.zeros(30 * SAMPLE_RATE, dtype=np.float32))
    return streams


def summary(medians: dict[str, dict[str, float]], mode: str) -> tuple[float, str]:
    """The median over the meetings, and one sentence of what it means for a node."""
    meetings = [n for n in medians if n.startswith("meeting_")]
    total = statistics.median(sum(medians[n].values()) for n in meetings)
    quiet, muted = sum(medians[QUIET].values()), sum(medians[MUTED].values())
    text = (
        f"{mode}: {total:.1f} ms of CPU per candidate-second, median over the {len(meetings)} "
        f"meeting recordings (quiet room {quiet:.1f}, muted microphone {muted:.1f}); "
        f"40 candidates × {total:.1f} ms = {40 * total / 10:.0f}% of one core"
    )
    return total, text


def table(medians: dict[str, dict[str, float]]) -> list[str]:
    lines = [f"  {'stream':<34}" + "".join(f"{s:>8}" for s in STAGES) + f"{'total':>8}"]
    for name, stages in medians.items():
        total = sum(stages.values())
        lines.append(
            f"  {name:<34}" + "".join(f"{stages[s]:8.2f}" for s in STAGES) + f"{total:8.2f}"
        )
    meetings = [n for n in medians if n.startswith("meeting_")]
    over = {s: statistics.median(medians[n][s] for n in meetings) for s in STAGES}
    lines.append(
        f"  {'median over the ' + str(len(meetings)) + ' meetings':<34}"
        + "".join(f"{over[s]:8.2f}" for s in STAGES)
        + f"{statistics.median(sum(medians[n].values()) for n in meetings):8.2f}"
    )
    return lines


def node_note(cores: int, runs: int = 1, evalset: Path = EVALSET_DIR) -> str:
    """What live audio adds to a node, measured here, for ``bench.load`` (its simulated
    candidates send frames only): CPU per candidate-second in each mode, and the share of the
    node that 40 candidates' audio takes."""
    streams = recordings(evalset)
    models_dir = get_settings().models_dir
    lines = []
    for mode in ("exam", "interview"):
        total, text = summary(measure(streams, mode, runs, models_dir), mode)
        lines.append(f"{text} ({40 * total / 10 / cores:.0f}% of this {cores}-core node)")
    return (
        "Live audio (measured apart by `python -m bench.audio_live`: the load test's simulated "
        "candidates send no audio): " + "; ".join(lines) + ". The audio process runs at a lower "
        "priority than the vision workers, so it takes what they leave."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--modes", nargs="+", choices=("exam", "interview"), default=["exam", "interview"]
    )
    parser.add_argument(
        "--judge-every",
        type=int,
        nargs="+",
        default=[1, 3, 6],
        help="interview: one chunk of speech in this many judged (LiveAudioParams.judge_every)",
    )
    parser.add_argument("--evalset", type=Path, default=EVALSET_DIR)
    args = parser.parse_args(argv)
    streams = recordings(args.evalset)
    runs: list[tuple[Mode, int]] = [("exam", 1)] if "exam" in args.modes else []
    if "interview" in args.modes:
        runs += [("interview", n) for n in args.judge_every]
    for mode, every in runs:
        medians = measure(streams, mode, args.runs, get_settings().models_dir, every)
        label = mode if mode == "exam" else f"interview, one chunk in {every} judged"
        print(
            f"Live audio, {label}: CPU ms per candidate-second by stage (median of "
            f"{args.runs} runs each; Opus chunks of 1 s at 24 kbit/s)"
        )
        print("\n".join(table(medians)))
        print(summary(medians, label)[1] + ".\n", flush=True)
    print(f"load average at the end: {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
