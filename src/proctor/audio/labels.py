"""The labelled audio of ``../shared/evalset/audio/audio.csv`` and speech scoring on a 10 ms grid.

Each row names a recording, its licence, its speaker count and its labelled speech as
``start end`` pairs separated by ``;``. Speech F1 compares claimed and labelled speech on a
10 ms grid; "false speech" is the share of the unlabelled time that is claimed as speech.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

GRID = 0.01  # seconds


@dataclass(frozen=True, slots=True)
class Clip:
    path: Path
    licence: str
    duration: float
    speakers: int
    speech: tuple[tuple[float, float], ...]

    @property
    def name(self) -> str:
        return self.path.name


def load_clips(folder: Path) -> list[Clip]:
    """Every row of ``folder/audio.csv``, in file order."""
    clips = []
    with (folder / "audio.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            speech = tuple(
                (float(a), float(b))
                for a, b in (part.split() for part in row["speech"].split(";") if part.strip())
            )
            clips.append(
                Clip(
                    path=folder / row["file"],
                    licence=row["license"],
                    duration=float(row["duration_s"]),
                    speakers=int(row["speakers"]),
                    speech=speech,
                )
            )
    return clips


def grid(
    segments: list[tuple[float, float]] | tuple[tuple[float, float], ...], n: int
) -> np.ndarray:
    """A boolean mask of ``n`` 10 ms cells, true where a segment covers the cell's centre."""
    centres = (np.arange(n) + 0.5) * GRID
    mask = np.zeros(n, dtype=bool)
    for s, e in segments:
        mask |= (centres >= s) & (centres < e)
    return mask


@dataclass(frozen=True, slots=True)
class SpeechScore:
    tp: int
    fp: int
    fn: int
    unlabelled: int

    @property
    def f1(self) -> float:
        denominator = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denominator if denominator else 1.0

    @property
    def false_speech(self) -> float:
        """Share of the unlabelled time claimed as speech."""
        return self.fp / self.unlabelled if self.unlabelled else 0.0

    def __add__(self, other: SpeechScore) -> SpeechScore:
        return SpeechScore(
            self.tp + other.tp,
            self.fp + other.fp,
            self.fn + other.fn,
            self.unlabelled + other.unlabelled,
        )


def score_speech(
    claimed: list[tuple[float, float]], labelled: tuple[tuple[float, float], ...], duration: float
) -> SpeechScore:
    n = round(duration / GRID)
    got, want = grid(claimed, n), grid(labelled, n)
    return SpeechScore(
        tp=int(np.sum(got & want)),
        fp=int(np.sum(got & ~want)),
        fn=int(np.sum(~got & want)),
        unlabelled=int(np.sum(~want)),
    )


# Speaker turns of speakers_diarizationExample.wav, from diarizationExample.segments beside it in
# tyiannak/pyAudioAnalysis: one person per turn, so each turn alone is one voice.
TURNS_CLIP = "speakers_diarizationExample.wav"
TURNS: dict[str, tuple[tuple[float, float], ...]] = {
    "A": ((0.0, 6.3),),
    "B": ((6.3, 11.3), (15.8, 18.8), (27.8, 34.4)),
    "C": ((11.3, 15.8), (18.8, 27.8)),
    "D": ((34.4, 42.0),),
}
# Speaker turns of speakers_diarizationExample2.wav (diarizationExample2.segments beside it): six
# people, one turn each; the last ends with the recording (22.3 s, labelled 22.5).
TURNS2_CLIP = "speakers_diarizationExample2.wav"
TURNS2: dict[str, tuple[tuple[float, float], ...]] = {
    "A": ((0.0, 3.7),),
    "B": ((3.7, 7.1),),
    "C": ((7.1, 10.6),),
    "D": ((10.6, 15.9),),
    "E": ((15.9, 19.3),),
    "F": ((19.3, 22.3),),
}
EDGE = 0.1  # seconds cut from both ends of a turn, where the next voice may already be heard


def turn_cases(samples: np.ndarray, rate: int) -> list[tuple[str, np.ndarray, int]]:
    """(name, audio, voices) cases from the turns: each turn alone and each person's turns
    joined (one voice), and pairs of two people's first turns (two voices)."""

    def cut(turn: tuple[float, float]) -> np.ndarray:
        a, b = turn
        return samples[int((a + EDGE) * rate) : int((b - EDGE) * rate)]

    cases: list[tuple[str, np.ndarray, int]] = []
    for person, turns in TURNS.items():
        cases += [(f"{person} {a:g}-{b:g} s", cut((a, b)), 1) for a, b in turns]
        if len(turns) > 1:
            cases.append((f"{person}, all turns", np.concatenate([cut(t) for t in turns]), 1))
    for pair in ("AB", "BC", "CD", "AD"):
        joined = np.concatenate([cut(TURNS[p][0]) for p in pair])
        cases.append((f"{pair[0]} then {pair[1]}", joined, 2))
    return cases
