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

from proctor.audio.decode import SAMPLE_RATE

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
# Speaker turns of the meeting clips, by AMI speaker id, from pyannote-audio's
# tests/data/debug.train.rttm and debug.development.rttm (the commit of audio.csv), in seconds
# of each 30 s clip. Quiet far-off voices are not always labelled (the evaluation set's README).
MEETING_TURNS: dict[str, dict[str, tuple[tuple[float, float], ...]]] = {
    "meeting_trn01.wav": {
        "FEO066": ((2.977, 3.368), (28.593, 30.0)),
        "MEE068": ((18.705, 19.669),),
        "FEO065": ((22.269, 22.726), (28.993, 30.0)),
        "MÉO069": ((28.474, 30.0),),
    },
    "meeting_trn02.wav": {
        "FEO066": ((20.704, 21.392),),
    },
    "meeting_trn03.wav": {
        "MEE067": ((0.0, 1.184),),
        "MÉO069": ((1.104, 30.0),),
    },
    "meeting_trn04.wav": {
        "MEE076": ((14.032, 15.776), (27.84, 30.0)),
        "MEO074": ((14.345, 16.816), (21.158, 21.765)),
        "MEE075": ((16.736, 23.952), (25.2, 25.936), (26.992, 27.264)),
    },
    "meeting_trn05.wav": {
        "FEO079": ((0.0, 0.384),),
        "FEE078": ((0.0, 1.472), (5.936, 6.278), (8.016, 30.0)),
        "FEE081": ((1.456, 2.112), (8.496, 9.28)),
        "FEE080": ((19.157, 19.581),),
    },
    "meeting_trn06.wav": {
        "FEE083": ((0.0, 8.856), (10.544, 11.192), (13.524, 30.0)),
        "MEO082": ((3.528, 6.746),),
        "FEE085": ((11.419, 12.498), (21.799, 22.356)),
    },
    "meeting_trn07.wav": {
        "FEE087": (
            (8.275, 9.727),
            (15.6, 18.41),
            (19.901, 20.46),
            (22.592, 25.117),
            (26.506, 28.195),
        ),
        "MEE089": ((20.277, 20.892), (23.197, 23.979)),
        "FEE088": ((23.502, 25.281),),
        "MEO086": ((24.032, 24.506), (27.182, 30.0)),
    },
    "meeting_trn08.wav": {
        "MEE089": ((5.015, 6.753), (14.912, 15.92), (26.848, 28.187)),
        "FEE087": (
            (5.04, 8.608),
            (10.099, 10.957),
            (12.0, 19.664),
            (21.168, 22.137),
            (27.107, 27.689),
        ),
        "FEE088": (
            (5.491, 8.509),
            (10.128, 11.086),
            (12.701, 14.572),
            (17.164, 17.478),
            (18.522, 23.936),
            (27.04, 28.688),
        ),
        "MEO086": ((6.995, 7.542), (15.003, 16.292)),
    },
    "meeting_trn09.wav": {
        "FEE083": ((0.0, 1.854), (1.854, 30.0)),
        "MEE094": (
            (0.0, 6.045),
            (12.857, 13.342),
            (14.201, 18.224),
            (24.992, 27.35),
            (29.687, 30.0),
        ),
        "MEE095": ((15.726, 16.549),),
    },
    "meeting_dev00.wav": {
        "MEE009": ((1.44, 13.312), (18.201, 20.64), (21.952, 26.272), (28.224, 30.0)),
        "MEE012": (
            (13.152, 16.922),
            (18.064, 18.4),
            (20.56, 21.616),
            (23.072, 23.808),
            (26.192, 28.384),
        ),
    },
    "meeting_dev01.wav": {
        "MEE012": (
            (4.304, 6.752),
            (16.384, 17.552),
            (19.568, 20.368),
            (22.464, 23.92),
            (29.072, 29.536),
        ),
        "MEE009": ((7.024, 11.776), (15.133, 19.648), (21.312, 22.592)),
    },
}
EDGE = 0.1  # seconds cut from both ends of a turn, where the next voice may already be heard


def turn_audio(
    samples: np.ndarray, turn: tuple[float, float], rate: int = SAMPLE_RATE
) -> np.ndarray:
    """One labelled turn's audio, ``EDGE`` cut from both ends."""
    a, b = turn
    return samples[int((a + EDGE) * rate) : int((b - EDGE) * rate)]


def person_audio(
    samples: np.ndarray, turns: tuple[tuple[float, float], ...], rate: int = SAMPLE_RATE
) -> np.ndarray:
    """A person's labelled turns (``turn_audio``) joined end to end."""
    return np.concatenate([turn_audio(samples, turn, rate) for turn in turns])


def turn_cases(samples: np.ndarray, rate: int) -> list[tuple[str, np.ndarray, int]]:
    """(name, audio, voices) cases from the turns: each turn alone and each person's turns
    joined (one voice), and pairs of two people's first turns (two voices)."""

    def cut(turn: tuple[float, float]) -> np.ndarray:
        return turn_audio(samples, turn, rate)

    cases: list[tuple[str, np.ndarray, int]] = []
    for person, turns in TURNS.items():
        cases += [(f"{person} {a:g}-{b:g} s", cut((a, b)), 1) for a, b in turns]
        if len(turns) > 1:
            cases.append((f"{person}, all turns", person_audio(samples, turns, rate), 1))
    for pair in ("AB", "BC", "CD", "AD"):
        joined = np.concatenate([cut(TURNS[p][0]) for p in pair])
        cases.append((f"{pair[0]} then {pair[1]}", joined, 2))
    return cases
