"""How far a voice is from a learned one, on the dev recordings: the other_voice threshold.

The speaker turns of ``speakers_diarizationExample.wav`` (``labels.TURNS``: four people) give
same-person and other-person cases. For each person, the voice is learned from all their turns
but one (the first half of the turn when they have only one) and the held-out turn's 2.4 s
chunks are the same person; every chunk of the three others is another person. Chunks are
embedded exactly as the live path does (``LiveAudio._embed``: learned from all of a chunk's
windows, judged from ``judge_windows``), on the audio as read and after a round trip
through the page's Opus at 24 kbit/s, with the live path's encoder (``int8``; ``--float``: the
float model the offline analysis runs).

A second table times a voice cutting in: one person's turns, then another's without a pause,
through ``LiveAudio`` in the page's 1 s pieces (voice learned from the first 7.2 s: no person
there speaks 20 s). The first person's speech is shortened 0-2.2 s, so the onset falls at every
point of a 2.4 s chunk; each cell is the audio seconds from the onset to the end of the piece
that brought the event, judged from the middle window and from the last one. Usage:

    python -m proctor.audio.live_eval [--float] ../shared/evalset
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from proctor.audio.clips import webm_chunks
from proctor.audio.decode import SAMPLE_RATE, decode
from proctor.audio.encoder import SpeakerEncoder
from proctor.audio.labels import TURNS, TURNS_CLIP, person_audio, turn_audio
from proctor.audio.live import CHUNK_SAMPLES, LiveAudio, LiveAudioParams
from proctor.audio.stream import OpusStream
from proctor.audio.vad import VadStream

THRESHOLDS = (0.2, 0.25, 0.3, 0.35, 0.4)
# (first, second) person: pairs whose first person speaks long enough to learn and judge
CUT_INS = (("C", "D"), ("B", "A"))
ONSET_SHIFTS = tuple(round(0.2 * k, 1) for k in range(12))


def opus_round_trip(samples: np.ndarray) -> np.ndarray:
    stream = OpusStream()
    return np.concatenate([stream.feed(c) for c in webm_chunks(samples)])[: len(samples)]


def distances(encoder: SpeakerEncoder, samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(same-person, other-person) cosine distances of chunks to a learned voice."""
    live = LiveAudio("interview", None, encoder)  # type: ignore[arg-type]  # no VAD needed

    def chunks(a: float, b: float, which: tuple[int, ...] | None) -> list[np.ndarray]:
        x = turn_audio(samples, (a, b))
        starts = range(0, len(x) - CHUNK_SAMPLES + 1, CHUNK_SAMPLES)
        return [live._embed(x[i : i + CHUNK_SAMPLES], which) for i in starts]

    # Learned from whole chunks, judged from the windows the live path judges with.
    emb = {p: [chunks(a, b, None) for a, b in turns] for p, turns in TURNS.items()}
    judged = {
        p: [chunks(a, b, live.params.judge_windows) for a, b in turns] for p, turns in TURNS.items()
    }
    same: list[float] = []
    other: list[float] = []
    for person, turns in emb.items():
        for held in range(len(turns)):
            if len(turns) == 1:
                half = len(turns[0]) // 2
                learn, test = turns[0][:half], judged[person][0][half:]
            else:
                learn = [c for k, t in enumerate(turns) if k != held for c in t]
                test = judged[person][held]
            voice = np.mean(learn, axis=0)
            voice /= np.linalg.norm(voice)
            same += [1 - float(c @ voice) for c in test]
            other += [
                1 - float(c @ voice)
                for q, t in judged.items()
                if q != person
                for ts in t
                for c in ts
            ]
    return np.array(same), np.array(other)


def table(encoder: SpeakerEncoder, evalset: Path) -> str:
    raw = decode(evalset / "audio" / TURNS_CLIP)
    rows = [
        "| audio | same person: chunks, median, max | other person: chunks, min, median | "
        + " | ".join(f"at {t}: same flagged / other caught" for t in THRESHOLDS)
        + " |",
        "|---|---|---|" + "---|" * len(THRESHOLDS),
    ]
    for name, samples in (("as read", raw), ("Opus 24 kbit/s", opus_round_trip(raw))):
        same, other = distances(encoder, samples)
        cells = [f"{(same > t).mean():.0%} / {(other > t).mean():.0%}" for t in THRESHOLDS]
        rows.append(
            f"| {name} | {len(same)}, {np.median(same):.3f}, {same.max():.3f} "
            f"| {len(other)}, {other.min():.3f}, {np.median(other):.3f} | "
            + " | ".join(cells)
            + " |"
        )
    return "\n".join(rows)


def cut_in_delays(
    encoder: SpeakerEncoder, samples: np.ndarray, first: str, second: str, which: tuple[int, ...]
) -> list[float | None]:
    """Seconds from the second voice's onset to the end of the 1 s piece whose feed started
    ``other_voice``, per onset shift (None: never flagged)."""

    mine, other = person_audio(samples, TURNS[first]), person_audio(samples, TURNS[second])
    params = LiveAudioParams(enroll_s=7.2, judge_windows=which)
    delays: list[float | None] = []
    for shift in ONSET_SHIFTS:
        audio = np.concatenate([mine[: len(mine) - int(shift * SAMPLE_RATE)], other])
        onset = (len(mine) - int(shift * SAMPLE_RATE)) / SAMPLE_RATE
        live = LiveAudio("interview", VadStream(), encoder, params)
        found: float | None = None
        for k in range(0, len(audio), SAMPLE_RATE):
            end = min(len(audio), k + SAMPLE_RATE) / SAMPLE_RATE
            started = any(t.kind == "start" for t in live.feed(audio[k : k + SAMPLE_RATE], end))
            if started and found is None:
                found = round(end - onset, 1)
        delays.append(found)
    return delays


def cut_in_table(encoder: SpeakerEncoder, evalset: Path) -> str:
    raw = decode(evalset / "audio" / TURNS_CLIP)
    rows = [
        "| voices, judged from | "
        + " | ".join(f"onset {s:.1f} s earlier" for s in ONSET_SHIFTS)
        + " | max |",
        "|---|" + "---|" * (len(ONSET_SHIFTS) + 1),
    ]
    for first, second in CUT_INS:
        for name, which in (("middle window", (1,)), ("last window", (2,))):
            delays = cut_in_delays(encoder, raw, first, second, which)
            cells = ["never" if d is None else f"{d:.1f}" for d in delays]
            worst = max((d for d in delays if d is not None), default=None)
            rows.append(
                f"| {first} then {second}, {name} | "
                + " | ".join(cells)
                + f" | {'never' if worst is None or None in delays else f'{worst:.1f}'} |"
            )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    from proctor.audio.models import encoder_path
    from proctor.config import get_settings

    args = sys.argv[1:] if argv is None else argv
    exact = "--float" in args
    args = [a for a in args if a != "--float"]
    evalset = Path(args[0] if args else "../shared/evalset")
    path = encoder_path(get_settings().models_dir, verify=True)
    encoder = SpeakerEncoder(path, int8=not exact)
    print(table(encoder, evalset))
    print()
    print(cut_in_table(encoder, evalset))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
