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

    python -m bench.audio_live [--runs 3] [--mode interview|exam]
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tests.audio.chunks import webm_chunks
from tests.conftest import EVALSET_DIR

from proctor.audio.decode import SAMPLE_RATE, decode
from proctor.audio.encoder import SpeakerEncoder
from proctor.audio.labels import load_clips
from proctor.audio.live import LiveAudio, Mode
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
    def __init__(self, path: Path, clock: Clock) -> None:
        super().__init__(path)
        self.clock = clock

    def embed(self, windows: list[np.ndarray]) -> np.ndarray:
        start = time.process_time()
        out = super().embed(windows)
        self.clock.spent["embed"] += time.process_time() - start
        return out


def run_once(chunks: list[bytes], mode: Mode, models_dir: Path) -> tuple[dict[str, float], float]:
    """One candidate's stream through the live path: (CPU seconds by stage, audio seconds)."""
    clock = Clock()
    encoder = TimedEncoder(encoder_path(models_dir), clock) if mode == "interview" else None
    live = LiveAudio(mode, TimedVad(clock), encoder)
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
    return clock.spent, heard


def measure(
    streams: dict[str, list[bytes]], mode: Mode, runs: int, models_dir: Path
) -> dict[str, dict[str, float]]:
    """Median CPU ms per candidate-second, by stream and stage (runs interleaved)."""
    per: dict[str, dict[str, list[float]]] = {n: {s: [] for s in STAGES} for n in streams}
    for _ in range(runs):
        for name, chunks in streams.items():
            spent, heard = run_once(chunks, mode, models_dir)
            for stage in STAGES:
                per[name][stage].append(1000 * spent[stage] / heard)
    return {n: {s: statistics.median(v) for s, v in st.items()} for n, st in per.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--mode", choices=("interview", "exam"), default="interview")
    parser.add_argument("--evalset", type=Path, default=EVALSET_DIR)
    args = parser.parse_args(argv)
    models_dir = get_settings().models_dir
    clips = load_clips(args.evalset / "audio")
    streams = {c.name: webm_chunks(decode(c.path)) for c in clips}
    streams[MUTED] = webm_chunks(np.zeros(30 * SAMPLE_RATE, dtype=np.float32))
    medians = measure(streams, args.mode, args.runs, models_dir)
    meetings = [n for n in streams if n.startswith("meeting_")]
    print(
        f"Live audio, {args.mode} mode: CPU ms per candidate-second (median of {args.runs} runs "
        "each), Opus chunks of 1 s at 24 kbit/s"
    )
    print(f"  {'stream':<34}" + "".join(f"{s:>8}" for s in STAGES) + f"{'total':>8}")
    for name, stages in medians.items():
        total = sum(stages.values())
        print(f"  {name:<34}" + "".join(f"{stages[s]:8.2f}" for s in STAGES) + f"{total:8.2f}")
    over = {s: statistics.median(medians[n][s] for n in meetings) for s in STAGES}
    total = statistics.median(sum(medians[n].values()) for n in meetings)
    print(
        f"  {'median over the ' + str(len(meetings)) + ' meetings':<34}"
        + "".join(f"{over[s]:8.2f}" for s in STAGES)
        + f"{total:8.2f}"
    )
    quiet = sum(medians[QUIET].values())
    muted = sum(medians[MUTED].values())
    print(
        f"Median {total:.2f} ms per candidate-second over the meetings ({total / 10:.2f}% of "
        f"one core); quiet room ({QUIET}) {quiet:.2f}, muted microphone {muted:.2f}. "
        f"40 candidates: {40 * total / 1000:.1%} of one core."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
