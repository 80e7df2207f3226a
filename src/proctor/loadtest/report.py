"""What a load test found, and whether every frame and event is accounted for."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from proctor.loadtest.audio import AudioCounts
from proctor.loadtest.clients import FrameCounts
from proctor.loadtest.scrape import Scrape


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile, or None without values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered), max(1, math.ceil(q * len(ordered)))) - 1]


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def server_figures(delta: Scrape, sending: Scrape, seconds: float, end: Scrape) -> dict[str, Any]:
    """Frame counts over the whole run; time and CPU figures over the sending phase."""
    cpu = sending.get("process_cpu_seconds_total") + sending.get(
        "proctor_workers_cpu_seconds_total"
    )
    rss = end.get("process_resident_memory_bytes") + end.get(
        "proctor_workers_resident_memory_bytes"
    )
    received = delta.get("proctor_frames_received_total")
    analyzed = delta.get("proctor_frames_analyzed_total")
    dropped = delta.get("proctor_frames_dropped_total")
    errors = delta.get("proctor_frame_errors_total")
    lag = "proctor_event_loop_lag_seconds"
    analysis = "proctor_analysis_seconds"
    wait = "proctor_analysis_wait_seconds"
    # One observation per object run (servers without proctor_object_runs_total count too)
    object_runs = delta.get(f"{analysis}_count", kind="objects")
    return {
        "frames_received": int(received),
        "frames_analyzed": int(analyzed),
        "frames_dropped": int(dropped),
        "frame_errors": int(errors),
        "frames_rejected": int(delta.get("proctor_frames_rejected_total")),
        "frames_unaccounted": int(received - analyzed - dropped - errors),
        "face_analysis_ms_mean": _ms(sending.histogram_mean(analysis, kind="faces")),
        "face_analysis_ms_p95_bucket": _ms(
            sending.histogram_quantile(analysis, 0.95, kind="faces")
        ),
        "object_analysis_ms_mean": _ms(sending.histogram_mean(analysis, kind="objects")),
        # Objects are opportunistic: the share of analysed frames they ran on falls under load
        "object_runs": int(object_runs),
        "object_runs_skipped": int(delta.get("proctor_object_runs_skipped_total")),
        "object_rate": round(object_runs / analyzed, 3) if analyzed else None,
        "face_wait_ms_mean": _ms(sending.histogram_mean(wait, kind="faces")),
        "object_wait_ms_mean": _ms(sending.histogram_mean(wait, kind="objects")),
        "loop_lag_ms_mean": _ms(sending.histogram_mean(lag)),
        "loop_lag_ms_p95_bucket": _ms(sending.histogram_quantile(lag, 0.95)),
        "cpu_percent": round(100 * cpu / seconds, 1) if seconds > 0 else None,
        # The server processes alone (event loop, Socket.IO, database), without the workers
        "main_cpu_percent": (
            round(100 * sending.get("process_cpu_seconds_total") / seconds, 1)
            if seconds > 0
            else None
        ),
        "rss_mb": round(rss / 1e6, 1),
        "audio_chunks": int(delta.get("proctor_audio_chunks_total")),
        "audio_refused": int(delta.get("proctor_audio_chunks_refused_total")),
        "audio_seconds": round(delta.get("proctor_audio_seconds_total"), 1),
        "workers": int(end.get("proctor_analysis_workers")),
    }


@dataclass
class Report:
    candidates: int
    nodes: int
    fps: float
    duration_s: float
    frames: FrameCounts
    server: dict[str, Any]
    events_stored: int
    events_received: int
    lost_events: list[int]
    phantom_events: list[int]
    browser_acked: int
    browser_lost: list[str]
    latencies_ms: list[float] = field(repr=False)
    usage: dict[str, float]
    load_average: tuple[float, float, float]
    audio: AudioCounts | None = None  # when the candidates streamed their microphone

    def latency(self, q: float) -> float | None:
        value = percentile(self.latencies_ms, q)
        return None if value is None else round(value, 1)

    @property
    def problems(self) -> list[str]:
        """Every way the accounting does not add up; empty when all is well."""
        f, s = self.frames, self.server
        out = []
        if f.sent != f.accepted + f.not_accepted + f.rejected + f.unacked:
            out.append("frames sent != accepted + not accepted + rejected + unacked")
        if s["frames_received"] != f.accepted:
            out.append(f"server received {s['frames_received']} frames, {f.accepted} were acked")
        if s["frames_unaccounted"]:
            out.append(f"{s['frames_unaccounted']} frames neither analysed, dropped nor failed")
        if self.lost_events:
            out.append(f"{len(self.lost_events)} stored events never reached the interviewer")
        if self.phantom_events:
            out.append(f"{len(self.phantom_events)} received events are not stored")
        if self.browser_lost:
            out.append(f"{len(self.browser_lost)} acknowledged browser events are not stored")
        a = self.audio
        if a is not None:
            if a.refused or a.unacked:
                out.append(f"audio chunks refused {a.refused}, unacked {a.unacked}")
            if s["audio_chunks"] != a.accepted:
                out.append(f"server analysed {s['audio_chunks']} audio chunks, {a.accepted} acked")
        return out

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        del data["latencies_ms"]
        data["latency_ms"] = {
            "p50": self.latency(0.5),
            "p95": self.latency(0.95),
            "p99": self.latency(0.99),
            "max": self.latency(1.0),
            "n": len(self.latencies_ms),
        }
        data["problems"] = self.problems
        return data

    def text(self) -> str:
        f, s, u = self.frames, self.server, self.usage
        lines = [
            f"{self.candidates} candidates on {self.nodes} node(s), {self.fps:g} fps, "
            f"{self.duration_s:g} s; load average {self.load_average[0]:.1f}",
            f"frames sent {f.sent}: accepted {f.accepted}, not accepted {f.not_accepted}, "
            f"rejected {f.rejected}, unacked {f.unacked}",
            f"server: received {s['frames_received']}, analysed {s['frames_analyzed']}, "
            f"dropped {s['frames_dropped']}, errors {s['frame_errors']}",
            f"events: stored {self.events_stored}, received {self.events_received}, "
            f"lost {len(self.lost_events)}, not stored {len(self.phantom_events)}; browser "
            f"events acked {self.browser_acked}, lost {len(self.browser_lost)}",
            f"frame → event latency ms ({len(self.latencies_ms)} events): p50 "
            f"{self.latency(0.5)}, p95 {self.latency(0.95)}, p99 {self.latency(0.99)}",
            f"face analysis ms mean {s['face_analysis_ms_mean']} (p95 ≤ "
            f"{s['face_analysis_ms_p95_bucket']}), objects mean {s['object_analysis_ms_mean']}, "
            f"event-loop lag ms mean {s['loop_lag_ms_mean']} (p95 ≤ {s['loop_lag_ms_p95_bucket']})",
            f"objects ran on {s['object_runs']} frames (rate {s['object_rate']} of analysed "
            f"frames), {s['object_runs_skipped']} runs skipped; wait for a worker ms mean: faces "
            f"{s['face_wait_ms_mean']}, objects {s['object_wait_ms_mean']}",
            f"server CPU {s['cpu_percent']}% of one core ({s['main_cpu_percent']}% outside the "
            f"workers), memory {s['rss_mb']} MB, "
            f"{s['workers']} workers",
        ]
        if u:
            lines.append(
                f"server processes (psutil): CPU {u['cpu_percent']}%, "
                f"peak memory {u['peak_rss_mb']} MB"
            )
        a = self.audio
        if a is not None:
            lines.append(
                f"audio chunks sent {a.sent}: accepted {a.accepted}, refused {a.refused}, "
                f"unacked {a.unacked}; server analysed {s['audio_chunks']} "
                f"({s['audio_seconds']} s of audio)"
            )
            if a.errors:
                lines.append(f"audio refusals: {a.errors}")
        if f.errors:
            lines.append(f"rejections: {f.errors}")
        lines.append("accounting: " + ("ok" if not self.problems else "; ".join(self.problems)))
        return "\n".join(lines)
