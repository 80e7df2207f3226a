"""Audio analysis cost: CPU milliseconds per second of audio, per stage, on the real recordings.

Each recording of ../shared/evalset/audio is analysed ``--runs`` times; the stages (decoding,
Silero VAD, speaker embeddings of the speech windows, clustering) run round-robin, recording by
recording, so a busy machine slows them alike. Prints the median over recordings of each stage's
CPU time (``time.process_time``, all threads) per second of audio, and each stage's share.

    python -m bench.audio [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

from tests.conftest import EVALSET_DIR

from proctor.audio.decode import SAMPLE_RATE, decode
from proctor.audio.encoder import SpeakerEncoder
from proctor.audio.labels import load_clips
from proctor.audio.models import encoder_path
from proctor.audio.vad import Vad, speech_segments
from proctor.audio.voices import DEFAULT_VOICES, cluster, count_voices, embed_speech
from proctor.config import get_settings

T = TypeVar("T")
STAGES = ("decode", "vad", "embed", "cluster")


def cpu(fn: Callable[[], T]) -> tuple[T, float]:
    start = time.process_time()
    out = fn()
    return out, time.process_time() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--evalset", type=Path, default=EVALSET_DIR)
    args = parser.parse_args(argv)
    clips = load_clips(args.evalset / "audio")
    vad = Vad()
    encoder = SpeakerEncoder(encoder_path(get_settings().models_dir, verify=True))
    per_second: dict[str, list[float]] = {s: [] for s in STAGES}
    for _ in range(args.runs):
        for clip in clips:
            samples, t_decode = cpu(partial(decode, clip.path))
            seconds = len(samples) / SAMPLE_RATE
            probs, t_vad = cpu(partial(vad.probabilities, samples))
            speech = speech_segments(probs, seconds)
            emb, t_embed = cpu(partial(embed_speech, encoder, samples, speech))
            labels, t_cluster = cpu(partial(cluster, emb, DEFAULT_VOICES.threshold))
            count_voices(labels, DEFAULT_VOICES.min_share)
            for stage, t in zip(STAGES, (t_decode, t_vad, t_embed, t_cluster), strict=True):
                per_second[stage].append(1000 * t / seconds)
    medians = {s: statistics.median(v) for s, v in per_second.items()}
    total = sum(medians.values())
    print(f"CPU ms per second of audio, median over {len(clips)} recordings x {args.runs} runs:")
    for stage in STAGES:
        print(f"  {stage:<8} {medians[stage]:7.2f}  ({medians[stage] / total:.0%})")
    print(f"  {'total':<8} {total:7.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
