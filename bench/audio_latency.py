"""Live audio through a real server: latency, bandwidth, CPU, and frame analysis beside it.

Real recordings of ../shared/evalset/audio, encoded to WebM/Opus chunks as the candidate's page
sends them (24 kbit/s, one a second, paced in real time), go over Socket.IO to a real server:

- latency: from the onset of speech (exam) or of another voice (interview) in what was sent to
  the ``event`` reaching the interviewer's client;
- bandwidth: the Socket.IO packets the chunks travel in (header text and binary attachment);
- CPU: the audio process's CPU time per second of audio, on continuous speech (a 42 s recording
  of four people) sent unpaced, in both modes: a fresh session (the voice learned from its
  first 7.2 s of speech in an interview), then the same recording again in the same session
  (the voice kept); counted inside ``worker.feed`` for that session's stream (Opus demuxing and
  decoding, VAD, the rules, the speaker encoder, event clips), and for the whole audio process
  (the calls' IPC and every thread besides); an interview twice: as live, and on a server where
  no voice is far enough to open an event, so every 2.4 s chunk is embedded and judged;
- frame analysis: face analysis time of one candidate's frames alone, and while other
  candidates stream audio (the audio process runs at a lower priority).

Usage: python -m bench.audio_latency [--repeats 5] [--workers 1] [--write docs/PERFORMANCE.md]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import socketio
from bench.server_latency import CYCLE, EVALSET, bench_server
from socketio import packet

from bench import markdown
from proctor.audio.clips import webm_chunks
from proctor.audio.decode import SAMPLE_RATE, decode
from proctor.audio.labels import TURNS, TURNS_CLIP, person_audio
from proctor.audio.vad import Vad, speech_segments
from proctor.loadtest.usage import cpu_seconds

ENROLL_S = 7.2  # the turn-taking recording has no 20 s turn of one person
MODES = ("exam", "interview")
CPU_ROWS = (
    ("cpu_exam", "exam (Opus, VAD, speech events and their clips)"),
    ("cpu_interview", "interview as live (voice learned, other speakers flagged with clips)"),
    ("cpu_judged", "interview, every chunk judged (as a candidate talking alone)"),
)


def wire_bytes(sid: str, chunk: bytes, seq: int) -> int:
    """Bytes the chunk's Socket.IO packet takes on the WebSocket (text header + attachment,
    each with its 2-4 byte frame header, plus Engine.IO's 1-byte type)."""
    payload = {"session_id": sid, "data": chunk, "seq": seq, "ts": time.time() * 1000}
    encoded = packet.Packet(packet.EVENT, data=["audio", payload], id=seq + 1).encode()
    parts = encoded if isinstance(encoded, list) else [encoded]
    return sum(len(p if isinstance(p, bytes) else p.encode()) + 1 + 4 for p in parts)


async def session(url: str, mode: str) -> tuple[dict[str, Any], Any, Any]:
    async with httpx.AsyncClient(base_url=url) as http:
        s = (await http.post("/start-session", json={"name": "Bench", "mode": mode})).json()
    peers = []
    for token, role in (
        (s["interviewer_token"], "interviewer"),
        (s["candidate_token"], "candidate"),
    ):
        peer = socketio.AsyncClient()
        await peer.connect(url, auth={"token": token}, transports=["websocket"])
        await peer.call("join", {"session_id": s["session_id"], "role": role})
        peers.append(peer)
    return s, peers[0], peers[1]


async def stream(candidate: Any, sid: str, chunks: list[bytes], paced: bool = True) -> float:
    """Send the chunks (one a second when ``paced``); the wall time of the first sample."""
    # Chunk k carries the audio of second k-1 to k (chunk 0: the header alone), and leaves
    # when that second is over, as MediaRecorder's timeslice hands it out.
    started = time.time()
    for seq, chunk in enumerate(chunks):
        ack = await candidate.call("audio", {"session_id": sid, "data": chunk, "seq": seq})
        if not ack.get("ok"):
            raise RuntimeError(f"chunk {seq} refused: {ack}")
        if paced:
            await asyncio.sleep(max(0.0, started + seq + 1 - time.time()))
    return started


async def latency(url: str, mode: str, audio: np.ndarray, onset_s: float) -> float:
    s, interviewer, candidate = await session(url, mode)
    want = "speech_detected" if mode == "exam" else "other_voice"
    seen: asyncio.Future[float] = asyncio.get_running_loop().create_future()

    def on_event(event: dict[str, Any]) -> None:
        if event["type"] == want and not seen.done():
            seen.set_result(time.time())

    interviewer.on("event", on_event)
    started = await stream(candidate, s["session_id"], webm_chunks(audio))
    received = await asyncio.wait_for(seen, 30)
    for peer in (interviewer, candidate):
        await peer.disconnect()
    return (received - (started + onset_s)) * 1000


async def frames_ms(ctx: Any, url: str, seconds: float, audio_streams: int) -> tuple[float, float]:
    """Mean face analysis time of one candidate's frames while ``audio_streams`` candidates
    stream continuous speech: from asking to the result (queue wait and IPC included), and the
    vision workers' own CPU per frame."""
    speech = decode(EVALSET / "audio" / "meeting_trn09.wav")
    s, interviewer, candidate = await session(url, "exam")
    others = [await session(url, mode) for mode in ("exam", "interview") * audio_streams][
        :audio_streams
    ]
    tasks = [
        asyncio.create_task(stream(c, o["session_id"], webm_chunks(speech)[: int(seconds) + 1]))
        for o, _, c in others
    ]
    images = [(EVALSET / "images" / name).read_bytes() for name in CYCLE]
    stats = ctx.live.stats
    workers = ctx.pool.worker_pids()
    n0, t0, cpu0 = stats.frames_analyzed, stats.analysis_seconds, cpu_seconds(workers)
    start, n = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        payload = {"session_id": s["session_id"], "image": images[n % len(images)]}
        await candidate.call("frame", payload)
        n += 1
        await asyncio.sleep(max(0.0, start + n - time.perf_counter()))
    await asyncio.sleep(1.5)
    await asyncio.gather(*tasks)
    for _, i, c in [(s, interviewer, candidate), *others]:
        await i.disconnect()
        await c.disconnect()
    frames = max(1, stats.frames_analyzed - n0)
    cpu = cpu_seconds(workers) - cpu0
    return 1000 * (stats.analysis_seconds - t0) / frames, 1000 * cpu / frames


async def cpu_per_second(ctx: Any, url: str, mode: str, audio: np.ndarray) -> list[float]:
    """The recording streamed twice in one session, unpaced (a fresh session, then a new stream
    that keeps the learned voice): per pass, ms of CPU per candidate-second counted inside
    ``worker.feed`` for this session's stream, and of the whole audio process (the calls' IPC
    and every thread besides). Nothing else streams meanwhile."""
    s, interviewer, candidate = await session(url, mode)
    sid = s["session_id"]
    out = []
    for _ in range(2):
        before = await ctx.audio.usage(sid)
        await stream(candidate, sid, webm_chunks(audio), paced=False)
        after = await ctx.audio.usage(sid)  # a stream restarted at 0 counts from 0
        heard = after["audio_s"]
        out += [1000 * after["cpu_s"] / heard]
        out += [1000 * (after["process_cpu_s"] - before["process_cpu_s"]) / heard]
    for peer in (interviewer, candidate):
        await peer.disconnect()
    return out


async def cpu_rows(url: str, ctx: Any, modes: tuple[str, ...]) -> dict[str, list[float]]:
    """``cpu_per_second`` on continuous speech (the 42 s four-speaker recording) by mode."""
    long_speech = decode(EVALSET / "audio" / "speakers_diarizationExample.wav")
    for mode in modes:  # warm-up: the audio process loads the encoder at its first interview
        await cpu_per_second(ctx, url, mode, long_speech[: 12 * SAMPLE_RATE])
    return {mode: await cpu_per_second(ctx, url, mode, long_speech) for mode in modes}


async def run(ctx: Any, url: str, repeats: int, frame_seconds: float) -> dict[str, Any]:
    meeting = decode(EVALSET / "audio" / "meeting_trn03.wav")[: 6 * SAMPLE_RATE]
    exam_audio = np.concatenate([np.zeros(2 * SAMPLE_RATE, np.float32), meeting])
    first = speech_segments(Vad().probabilities(exam_audio), len(exam_audio) / SAMPLE_RATE)[0][0]
    turns = decode(EVALSET / "audio" / TURNS_CLIP)

    mine, other = person_audio(turns, TURNS["C"]), person_audio(turns, TURNS["D"])
    interview_audio = np.concatenate([mine, other])
    out: dict[str, Any] = {"exam": [], "interview": []}
    for _ in range(repeats):
        out["exam"].append(await latency(url, "exam", exam_audio, first))
        out["interview"].append(
            await latency(url, "interview", interview_audio, len(mine) / SAMPLE_RATE)
        )
    chunks = webm_chunks(meeting)
    out["bytes_per_s"] = sum(wire_bytes("x" * 32, c, i) for i, c in enumerate(chunks)) / 6.0
    out["payload_per_s"] = sum(len(c) for c in chunks) / 6.0
    if ctx.pool.ready and frame_seconds > 0:
        await frames_ms(ctx, url, 10, 0)  # warm-up: the first frames of a worker are slow
        # Alone, beside audio, alone again: the machine's other load shows as the two differ.
        before = await frames_ms(ctx, url, frame_seconds, 0)
        out["frames_with_audio"], out["cpu_with_audio"] = await frames_ms(
            ctx, url, frame_seconds, 4
        )
        last = await frames_ms(ctx, url, frame_seconds, 0)
        out["frames_alone"] = (before[0] + last[0]) / 2
        out["frames_alone_runs"] = before[0], last[0]
        out["cpu_alone"] = (before[1] + last[1]) / 2
        out["cpu_alone_runs"] = before[1], last[1]
    return out


def kbit(bytes_per_s: float) -> str:
    return f"{bytes_per_s * 8 / 1000:.1f}"


def table(r: dict[str, Any], repeats: int, workers: int, frame_seconds: float) -> str:
    ex, iv = r["exam"], r["interview"]
    lines = [
        f"`python -m bench.audio_latency --repeats {repeats} --workers {workers}` "
        "(real server on loopback, real recordings as 24 kbit/s WebM/Opus chunks sent one a "
        "second, median of the runs):",
        "",
        "| measure | value |",
        "|---|---|",
        f"| exam: speech onset → `speech_detected` at the interviewer (median of {len(ex)}) "
        f"| {statistics.median(ex) / 1000:.2f} s (max {max(ex) / 1000:.2f} s) |",
        f"| interview: other voice's onset → `other_voice` at the interviewer (median of "
        f"{len(iv)}) | {statistics.median(iv) / 1000:.2f} s (max {max(iv) / 1000:.2f} s) |",
        f"| upstream bandwidth, Socket.IO packets of the chunks | {kbit(r['bytes_per_s'])} "
        f"kbit/s (Opus payload {kbit(r['payload_per_s'])}) |",
    ]
    for key, label in CPU_ROWS:
        fresh, fresh_all, again, again_all = r[key]
        lines.append(
            f"| audio process CPU per candidate-second, {label}: a fresh session → the same "
            f"recording again | {fresh:.1f} → **{again:.1f} ms** (whole process: {fresh_all:.1f}"
            f" → {again_all:.1f}) |"
        )
    if "frames_alone" in r:
        ratio = r["frames_with_audio"] / r["frames_alone"]
        a, b = r["frames_alone_runs"]
        lines.append(
            f"| face analysis per frame (queue wait included), alone (mean of a run before and "
            f"one after) → beside 4 candidates streaming speech ({frame_seconds:.0f} s each, "
            f"{workers} worker) | {r['frames_alone']:.1f} (runs {a:.1f}, {b:.1f}) → "
            f"{r['frames_with_audio']:.1f} ms (×{ratio:.2f}) |"
        )
        a, b = r["cpu_alone_runs"]
        lines.append(
            f"| the vision worker's CPU per frame, the same runs | {r['cpu_alone']:.1f} (runs "
            f"{a:.1f}, {b:.1f}) → {r['cpu_with_audio']:.1f} ms "
            f"(×{r['cpu_with_audio'] / r['cpu_alone']:.2f}) |"
        )
    return "\n".join(lines)


async def measure(workers: int, repeats: int, frame_seconds: float) -> dict[str, Any]:
    """Everything, in one event loop (the Socket.IO clients' sessions belong to it)."""
    # The CPU runs send 200 chunks as fast as they are acknowledged: beyond the message burst.
    limits = {"message_burst": 10_000}
    with bench_server(workers, audio_enroll_seconds=ENROLL_S, **limits) as (url, ctx, _):
        if not ctx.audio.ready:
            raise RuntimeError(f"audio analysis unavailable: {ctx.audio.error}")
        results = await run(ctx, url, repeats, frame_seconds)
        cpu = await cpu_rows(url, ctx, MODES)
        results.update({f"cpu_{mode}": v for mode, v in cpu.items()})
    # A server where no chunk is far from the voice: every 2.4 s of speech is embedded and
    # judged, and no event opens (the worst case of an interview, a candidate talking alone).
    judged = {"audio_enroll_seconds": ENROLL_S, "audio_other_threshold": 1.5, **limits}
    with bench_server(0, **judged) as (url, ctx, _):
        results["cpu_judged"] = (await cpu_rows(url, ctx, ("interview",)))["interview"]
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--workers", type=int, default=1, help="vision workers (0: no frames)")
    parser.add_argument("--frame-seconds", type=float, default=30)
    parser.add_argument("--write", type=Path, help="write the results into this Markdown file")
    args = parser.parse_args(argv)
    if not (EVALSET / "audio").is_dir():
        print(f"evaluation set not found at {EVALSET}", file=sys.stderr)
        return 2
    try:
        results = asyncio.run(measure(args.workers, args.repeats, args.frame_seconds))
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1
    body = table(results, args.repeats, args.workers, args.frame_seconds)
    print(body)
    if args.write:
        markdown.write_block(args.write, "Live audio", "bench/audio_latency.py", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
