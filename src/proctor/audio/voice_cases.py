"""A wider check of the voice count, cut from the labelled recordings of the evaluation set.

The dev recordings hold one single-speaker clip only, so the single-voice side (a person
counting with pauses, a reader after music or noise) is built from labelled speaker turns: those
of ``speakers_diarizationExample.wav`` (four people) and ``speakers_diarizationExample2.wav``
(six), and those of the meeting clips:

- one person: their turns joined with 2 s pauses ("turns"), or cut into 1.2 s pieces with
  1.5 s pauses ("counting"), each alone and each after 8 s of a synthetic sound (below);
- two people of the same recording: their first turns with a 1 s pause, alone and after a sound;
- one person in a meeting (far-field): what a speaker of a meeting clip says away from every
  other labelled speaker (0.3 s clear of their turns), at least 3 s of it, the pieces joined with
  1 s pauses (``labels.MEETING_TURNS``; an unlabelled quiet voice may still be heard there).

Pauses are quiet room tone (pink noise at -65 dBFS). The sounds are made here, nothing is
downloaded: pink and white noise, mains hum, beeps, piano-like chords, a drum loop, a mix of
chords, drums and noise ("music"), and a hummed vowel melody; each at the speech's own level.
Every case is seeded by its name, so it is the same on every run.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from proctor.audio.decode import SAMPLE_RATE, decode
from proctor.audio.labels import (
    MEETING_TURNS,
    TURNS,
    TURNS2,
    TURNS2_CLIP,
    TURNS_CLIP,
    turn_audio,
)

ROOM_DBFS = -65.0
CLEAR = 0.3  # seconds kept away from any other speaker's labelled turn in a meeting
MIN_SOLO = 3.0  # seconds of a meeting speaker alone for a one-person case
SOUND_SECONDS = 8.0
PIECE, PIECE_PAUSE, TURN_PAUSE = 1.2, 1.5, 2.0  # seconds
SEED = 7

Sound = Callable[[int, np.random.Generator], np.ndarray]


def at_rms(x: np.ndarray, rms: float) -> np.ndarray:
    """``x`` scaled to root-mean-square ``rms``."""
    now = float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) or 1.0
    return (x * (rms / now)).astype(np.float32)


def pink(n: int, rng: np.random.Generator) -> np.ndarray:
    """1/f noise, shaped in the frequency domain (flat below 20 Hz)."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    spectrum /= np.sqrt(np.maximum(np.fft.rfftfreq(n, 1 / SAMPLE_RATE), 20.0))
    return np.fft.irfft(spectrum, n).astype(np.float32)


def white(n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.standard_normal(n).astype(np.float32)


def hum(n: int, rng: np.random.Generator) -> np.ndarray:
    """50 Hz mains hum with six harmonics and a little hiss."""
    t = np.arange(n) / SAMPLE_RATE
    x = sum(np.sin(2 * np.pi * 50 * k * t + rng.uniform(0, 2 * np.pi)) / k for k in range(1, 8))
    return np.asarray(x + 0.05 * rng.standard_normal(n), dtype=np.float32)


def _note(freq: float, seconds: float) -> np.ndarray:
    """A plucked note: six partials under a fast attack and an exponential decay."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    x = sum(np.sin(2 * np.pi * freq * k * t) / k**1.5 for k in range(1, 7))
    return np.asarray(x * np.minimum(1.0, t / 0.01) * np.exp(-3.0 * t), dtype=np.float32)


def beeps(n: int, rng: np.random.Generator) -> np.ndarray:
    """Pure tones of 0.4 s at random pitches (300-1500 Hz), 0.1 s apart."""
    out = np.zeros(n, dtype=np.float32)
    t = np.arange(int(0.4 * SAMPLE_RATE)) / SAMPLE_RATE
    for i in range(0, n - len(t), SAMPLE_RATE // 2):
        out[i : i + len(t)] = np.sin(2 * np.pi * rng.uniform(300, 1500) * t)
    return out


def chords(n: int, rng: np.random.Generator) -> np.ndarray:
    """Piano-like triads, one a second, over a I-V-vi-IV progression in a random key."""
    out = np.zeros(n, dtype=np.float32)
    root = 220.0 * 2 ** (int(rng.integers(0, 12)) / 12)
    progression = ((0, 4, 7), (7, 11, 14), (9, 12, 16), (5, 9, 12))
    for j, i in enumerate(range(0, n, SAMPLE_RATE)):
        chord = np.sum([_note(root * 2 ** (s / 12), 1.5) for s in progression[j % 4]], axis=0)
        m = min(len(chord), n - i)
        out[i : i + m] += chord[:m]
    return out


def drums(n: int, rng: np.random.Generator) -> np.ndarray:
    """A loop at 120 bpm: a kick on each beat, a hi-hat between, a snare on every other beat."""
    out = np.zeros(n, dtype=np.float32)
    beat = SAMPLE_RATE // 2
    t = np.arange(int(0.3 * SAMPLE_RATE)) / SAMPLE_RATE
    kick = np.sin(2 * np.pi * (50 + 100 * np.exp(-t * 30)) * t) * np.exp(-t * 12)
    noise = rng.standard_normal(len(t))
    hat = 0.3 * noise * np.exp(-t * 60)
    snare = 0.6 * noise * np.exp(-t * 20) + 0.4 * np.sin(2 * np.pi * 190 * t) * np.exp(-t * 25)
    for k, i in enumerate(range(0, n, beat)):
        hits = [(kick, i), (hat, i + beat // 2)] + ([(snare, i)] if k % 2 else [])
        for sound, at in hits:
            m = max(0, min(len(sound), n - at))
            out[at : at + m] += sound[:m].astype(np.float32)
    return out


def music(n: int, rng: np.random.Generator) -> np.ndarray:
    """Chords and drums with pink noise under them."""
    mix = at_rms(chords(n, rng), 1.0) + at_rms(drums(n, rng), 0.8) + at_rms(pink(n, rng), 0.3)
    return np.asarray(mix, dtype=np.float32)


def hummed(n: int, rng: np.random.Generator) -> np.ndarray:
    """A hummed vowel melody: a pulse train with vibrato, a note every 0.5 s, through three
    vowel formants (700, 1200, 2600 Hz)."""
    t = np.arange(n) / SAMPLE_RATE
    notes = 150.0 * 2 ** (rng.integers(0, 12, size=n // (SAMPLE_RATE // 2) + 1) / 12)
    f0 = notes[(t / 0.5).astype(int)] * (1 + 0.02 * np.sin(2 * np.pi * 5.5 * t))
    pulses = (np.diff(np.floor(np.cumsum(f0) / SAMPLE_RATE), prepend=0) > 0).astype(np.float64)
    f = np.fft.rfftfreq(n, 1 / SAMPLE_RATE)
    formants = ((700, 80), (1200, 90), (2600, 120))
    shape = sum(1 / (1 + ((f - fc) / (bw / 2)) ** 2) for fc, bw in formants)
    return np.fft.irfft(np.fft.rfft(pulses) * shape, n).astype(np.float32)


SOUNDS: dict[str, Sound] = {
    "pink noise": pink,
    "white noise": white,
    "hum": hum,
    "beeps": beeps,
    "chords": chords,
    "drums": drums,
    "music": music,
    "hummed melody": hummed,
}


@dataclass(frozen=True, slots=True)
class VoiceCase:
    name: str
    group: str  # what kind of case, for the summary table
    audio: np.ndarray
    want: int  # 1: one voice; 2: at least two
    sound: str = ""  # the synthetic sound before the speech (its first SOUND_SECONDS), if any


def _rng(name: str) -> np.random.Generator:
    """A generator seeded by a case's name: a case is the same whichever others are built."""
    return np.random.default_rng([SEED, zlib.crc32(name.encode())])


def _room(seconds: float, rng: np.random.Generator) -> np.ndarray:
    return at_rms(pink(int(seconds * SAMPLE_RATE), rng), 10 ** (ROOM_DBFS / 20))


def _after(kind: str, speech: np.ndarray, name: str) -> np.ndarray:
    """``speech`` after 8 s of the sound ``kind`` at the speech's level and 1 s of room tone."""
    rng = _rng(name)
    level = float(np.sqrt(np.mean(np.square(speech[np.abs(speech) > 1e-3], dtype=np.float64))))
    sound = at_rms(SOUNDS[kind](int(SOUND_SECONDS * SAMPLE_RATE), rng), level)
    return np.concatenate([sound, _room(1.0, rng), speech])


def _person(parts: list[np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """One person's turns joined with pauses ("turns") and cut into short pieces ("counting")."""
    joined, counting = [_room(1.0, rng)], [_room(1.0, rng)]
    step = int(PIECE * SAMPLE_RATE)
    for part in parts:
        joined += [part, _room(TURN_PAUSE, rng)]
        for i in range(0, len(part) - SAMPLE_RATE // 2, step):
            counting += [part[i : i + step], _room(PIECE_PAUSE, rng)]
    return {"turns": np.concatenate(joined), "counting": np.concatenate(counting)}


def voice_cases(folder: Path) -> Iterator[VoiceCase]:
    """The cases, from the recordings in ``folder`` (the evaluation set's ``audio/``)."""
    kinds = list(SOUNDS)
    for clip, turns in ((TURNS_CLIP, TURNS), (TURNS2_CLIP, TURNS2)):
        samples = decode(folder / clip)
        cut = {
            person: [turn_audio(samples, span) for span in spans] for person, spans in turns.items()
        }
        stem = clip.split(".")[0]
        for person, parts in cut.items():
            who = f"{stem} {person}"
            speech = _person(parts, _rng(who))
            for style, audio in speech.items():
                yield VoiceCase(f"{who}, {style}", f"one person, {style}", audio, 1)
            for k, kind in enumerate(kinds):  # the two styles take turns over the sounds
                style = ("turns", "counting")[k % 2]
                name = f"{who}, {style} after {kind}"
                audio = _after(kind, speech[style], name)
                yield VoiceCase(name, f"one person after {kind}", audio, 1, kind)
        people = list(cut)
        pairs = [(a, b) for i, a in enumerate(people) for b in people[i + 1 :]]
        for j, (a, b) in enumerate(pairs):
            who = f"{stem} {a} and {b}"
            audio = np.concatenate([cut[a][0], _room(1.0, _rng(who)), cut[b][0]])
            yield VoiceCase(who, "two people", audio, 2)
            kind = kinds[j % len(kinds)]
            name = f"{who} after {kind}"
            yield VoiceCase(name, "two people after a sound", _after(kind, audio, name), 2, kind)
    yield from meeting_cases(folder)


def meeting_cases(folder: Path) -> Iterator[VoiceCase]:
    """One far-field person each: a meeting speaker's speech away from every other labelled
    speaker, when there are at least ``MIN_SOLO`` seconds of it."""
    for clip, speakers in MEETING_TURNS.items():
        samples = decode(folder / clip)
        for speaker, turns in speakers.items():
            alone = np.zeros(len(samples), dtype=bool)
            for a, b in turns:
                alone[int(a * SAMPLE_RATE) : int(b * SAMPLE_RATE)] = True
            others = [span for o, spans in speakers.items() if o != speaker for span in spans]
            for a, b in others:
                lo, hi = max(0.0, a - CLEAR), b + CLEAR
                alone[int(lo * SAMPLE_RATE) : int(hi * SAMPLE_RATE)] = False
            if alone.sum() < MIN_SOLO * SAMPLE_RATE:
                continue
            name = f"{clip.split('.')[0]} {speaker}"
            rng = _rng(name)
            edges = np.flatnonzero(np.diff(np.concatenate([[0], alone.astype(np.int8), [0]])))
            pieces = [_room(1.0, rng)]
            for a, b in zip(edges[::2], edges[1::2], strict=True):
                pieces += [samples[a:b], _room(1.0, rng)]
            yield VoiceCase(name, "one person in a meeting", np.concatenate(pieces), 1)
