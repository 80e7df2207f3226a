"""Where the live audio CPU goes, stage by stage, on the audio process's own code path.

Each recording of ../shared/evalset/audio goes as the candidate's page sends it (WebM/Opus,
24 kbit/s, cut every second) through ``audio.worker.feed``, the function the audio process runs
for every chunk: Opus demuxing and decoding, Silero VAD, the live rules, the speaker encoder
and the event clips. CPU time (``time.process_time``: every thread of the process) is split by
stage: ``decode`` (WebM demuxing, Opus decoding, resampling to 16 kHz), ``vad``, ``mel`` (the
encoder's features), ``learn`` and ``judge`` (the encoder's ONNX calls while the candidate's
voice is learned and after), ``clip`` (an event's clip encoded to WebM/Opus) and ``rest``
(the rules, the ring buffer, the call itself). ``ipc`` is the same stream sent to a real audio
process (a ``ProcessPoolExecutor`` as the server starts it): its whole CPU minus what ``feed``
counted, i.e. receiving, unpickling and pickling the calls.

Scenarios, on recordings of continuous speech (the expensive case):

- ``exam``: speech detection only;
- ``interview, every chunk judged``: the voice already learned and judged far from no chunk
  (as a candidate talking alone): every 2.4 s of speech embedded, the worst case;
- ``interview, as live``: the voice learned from the recording's first chunk of speech, the
  threshold as configured: the other people of a meeting open other_voice events (clips
  encoded, one chunk in two judged while an event is open);
- ``interview, learning the voice``: a fresh session: its first 20 s of speech are embedded
  from all three windows of each chunk, once per session.

    python -m bench.audio_stages [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
from bench.audio_live import recordings
from tests.conftest import EVALSET_DIR

from proctor.audio import encoder as encoder_module
from proctor.audio import worker
from proctor.audio.live import LiveAudio, LiveAudioParams, Mode
from proctor.audio.stream import OpusStream
from proctor.audio.vad import VadStream
from proctor.config import get_settings

STAGES = ("decode", "vad", "mel", "learn", "judge", "clip", "rest")
SCENARIOS: dict[str, tuple[Mode, str]] = {
    "exam": ("exam", "learned"),
    "interview, every chunk judged": ("interview", "alone"),
    "interview, as live": ("interview", "learned"),
    "interview, learning the voice": ("interview", "fresh"),
}


@contextmanager
def timed(
    owner: Any, name: str, stage: Callable[[], str], spent: dict[str, float]
) -> Iterator[None]:
    """``owner.name`` counts its CPU time into ``spent[stage()]`` while inside."""
    original = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key, start = stage(), time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            spent[key] += time.process_time() - start

    setattr(owner, name, wrapper)
    try:
        yield
    finally:
        setattr(owner, name, original)


def stream_once(
    session: str, chunks: list[bytes], mode: Mode, voice: np.ndarray | None, spent: dict[str, float]
) -> tuple[float, LiveAudio]:
    """One candidate's stream through ``worker.feed``; (audio seconds, its LiveAudio)."""
    learning = {"on": False}
    with ExitStack() as stack:
        for owner, name, stage in (
            (OpusStream, "feed", lambda: "decode"),
            (VadStream, "feed", lambda: "vad"),
            (encoder_module, "mel_spectrogram", lambda: "mel"),
            (worker, "encode_clip", lambda: "clip"),
        ):
            stack.enter_context(timed(owner, name, stage, spent))

        def encoder_stage() -> str:
            return "learn" if learning["on"] else "judge"

        stack.enter_context(
            timed(encoder_module.SpeakerEncoder, "embed_mels", encoder_stage, spent)
        )
        total = 0.0
        for seq, data in enumerate(chunks):
            state = worker._streams.get(session)
            learning["on"] = state is None or state.live.voice is None
            start = time.process_time()
            out = worker.feed(session, mode, seq, data, 1000.0 + seq)
            total += time.process_time() - start
            assert out["ok"], out
            if seq == 0:
                worker._streams[session].live.voice = voice
        live = worker._streams[session].live
        worker.finish(session)
    spent["rest"] += total - sum(spent.values())
    return live.samples / 16000, live


def setup(params: LiveAudioParams) -> None:
    worker.init_worker(get_settings().models_dir, 0, params)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # a bench stops on Ctrl-C


def measure(streams: dict[str, list[bytes]], runs: int) -> dict[str, dict[str, dict[str, float]]]:
    """Median CPU ms per candidate-second by scenario, stream and stage (runs interleaved)."""
    live_params = LiveAudioParams.from_settings(get_settings())
    setup(live_params)
    worker._speaker_encoder()  # loaded once, as the audio process does at its first interview
    warm = {s: 0.0 for s in STAGES}
    first = next(iter(streams.values()))
    for mode in ("exam", "interview"):
        stream_once("warm-up", first, mode, None, warm)
    learned = {}  # each recording's voice, from its first chunk of speech
    setup(replace(live_params, enroll_s=0.1))
    for name, chunks in streams.items():
        learned[name] = stream_once("learn", chunks, "interview", None, dict(warm))[1].voice
    per: dict[str, dict[str, dict[str, list[float]]]] = {
        sc: {n: {s: [] for s in STAGES} for n in streams} for sc in SCENARIOS
    }
    for _ in range(runs):
        for scenario, (mode, voice) in SCENARIOS.items():
            far = 1.5 if voice == "alone" else live_params.other_threshold
            setup(replace(live_params, other_threshold=far))
            for name, chunks in streams.items():
                spent = {s: 0.0 for s in STAGES}
                start_voice = None if voice == "fresh" else learned[name]
                heard, _ = stream_once(scenario, chunks, mode, start_voice, spent)
                for stage in STAGES:
                    per[scenario][name][stage].append(1000 * spent[stage] / heard)
    return {
        sc: {n: {s: statistics.median(v) for s, v in st.items()} for n, st in by.items()}
        for sc, by in per.items()
    }


def ipc(chunks: list[bytes], mode: Mode) -> tuple[float, float]:
    """(ms of the audio process's CPU per candidate-second, of which ``feed``'s): one stream
    sent to a real audio process, call after call."""
    ctx = get_context("spawn")
    args = (get_settings().models_dir, 0, LiveAudioParams.from_settings(get_settings()))
    with ProcessPoolExecutor(
        1, mp_context=ctx, initializer=worker.init_worker, initargs=args
    ) as ex:
        for k, data in enumerate(chunks):  # warm-up: imports, the models' first calls
            ex.submit(worker.feed, "warm-up", mode, k, data, 1000.0 + k).result()
        before = ex.submit(worker.usage, "s").result()
        for k, data in enumerate(chunks):
            ex.submit(worker.feed, "s", mode, k, data, 1000.0 + k).result()
        after = ex.submit(worker.usage, "s").result()
    heard = after["audio_s"]
    total = after["process_cpu_s"] - before["process_cpu_s"]
    return 1000 * total / heard, 1000 * after["cpu_s"] / heard


def report(medians: dict[str, dict[str, dict[str, float]]]) -> list[str]:
    lines = []
    for scenario, by in medians.items():
        meetings = [
            n for n in by if n.startswith(("meeting_", "speakers_")) and n != "meeting_trn02.wav"
        ]
        over = {s: statistics.median(by[n][s] for n in meetings) for s in STAGES}
        totals = [sum(by[n].values()) for n in meetings]
        lines.append(
            f"| {scenario} | "
            + " | ".join(f"{over[s]:.2f}" for s in STAGES)
            + f" | **{statistics.median(totals):.2f}** (max {max(totals):.2f}) |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--evalset", type=Path, default=EVALSET_DIR)
    args = parser.parse_args(argv)
    streams = recordings(args.evalset)
    medians = measure(streams, args.runs)
    long = streams["speakers_diarizationExample.wav"]
    ipc_rows = {mode: ipc(long, mode) for mode in ("exam", "interview")}
    speech = [n for n in streams if n.startswith(("meeting_", "speakers_"))]
    print(
        f"`python -m bench.audio_stages --runs {args.runs}`: CPU ms per candidate-second by "
        f"stage through `audio.worker.feed`, median over the {len(speech) - 1} recordings of "
        f"continuous speech (not the quiet meeting_trn02) of the medians of {args.runs} runs; "
        "total: median (max) over them.\n"
    )
    print("| scenario | " + " | ".join(STAGES) + " | total |")
    print("|---|" + "---|" * (len(STAGES) + 1))
    print("\n".join(report(medians)))
    for mode, (total, fed) in ipc_rows.items():
        print(
            f"\nA real audio process, {mode} (speakers_diarizationExample.wav, 42 s, a fresh "
            f"session): {total:.2f} ms of its CPU per candidate-second, {fed:.2f} of them "
            f"inside `feed`: the calls' IPC costs {total - fed:.2f}."
        )
    print(f"\nload average at the end: {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
