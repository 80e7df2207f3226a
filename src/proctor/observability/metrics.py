"""Prometheus metrics of one server: frames, analysis time, events, clients, process and workers.

Each app has a registry of its own (several apps may run in one process, as in tests). Counters
kept elsewhere (the live analysis' frame counts, connections) are read when scraped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import psutil
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from proctor import __version__
from proctor.realtime.gate import Kind

if TYPE_CHECKING:
    from proctor.context import AppContext

log = logging.getLogger(__name__)

CONTENT_TYPE = CONTENT_TYPE_LATEST
ANALYSIS_BUCKETS = (0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0, 2.0, 5.0)
WAIT_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 5.0)
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 5.0, 10.0)
LAG_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
LOOP_PROBE_SECONDS = 0.25

# Why a frame was refused on arrival, from the error the client is told (a bounded label set).
REJECT_REASONS = {
    "rate limited": "rate_limited",
    "the session has ended": "ended",
    "not connected": "not_allowed",
    "not allowed for this session": "not_allowed",
    "join the session first": "not_allowed",
    "only the candidate may send this": "not_allowed",
}


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        ProcessCollector(registry=self.registry)
        self.analysis = Histogram(
            "proctor_analysis_seconds",
            "Analysis time of a frame in the worker pool (queue wait included), by kind.",
            ["kind"],
            buckets=ANALYSIS_BUCKETS,
            registry=self.registry,
        )
        self.analysis_wait = Histogram(
            "proctor_analysis_wait_seconds",
            "Wait for a free analysis worker, by kind (object runs wait while faces do not).",
            ["kind"],
            buckets=WAIT_BUCKETS,
            registry=self.registry,
        )
        self.event_latency = Histogram(
            "proctor_event_latency_seconds",
            "Frame received to vision event sent.",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.events = Counter(
            "proctor_events",
            "Events stored, by type and source.",
            ["type", "source"],
            registry=self.registry,
        )
        self.frames_rejected = Counter(
            "proctor_frames_rejected",
            "Frames refused on arrival, by reason.",
            ["reason"],
            registry=self.registry,
        )
        self.alerts_sent = Counter(
            "proctor_alerts_sent",
            "Alerts delivered, by channel (operator, session, webhook).",
            ["channel"],
            registry=self.registry,
        )
        self.alerts_retried = Counter(
            "proctor_alerts_retried",
            "Alert sends that failed and will be tried again, by channel.",
            ["channel"],
            registry=self.registry,
        )
        self.alerts_failed = Counter(
            "proctor_alerts_failed",
            "Alerts given up after their last attempt, by channel.",
            ["channel"],
            registry=self.registry,
        )
        self.uploads_interrupted = Counter(
            "proctor_uploads_interrupted",
            "Uploads whose client went away before the body was all there (nothing of it is "
            "kept), by kind: a whole recording or a chunk.",
            ["kind"],
            registry=self.registry,
        )
        self.loop_lag = Histogram(
            "proctor_event_loop_lag_seconds",
            f"How late a {LOOP_PROBE_SECONDS} s sleep on the event loop wakes up.",
            buckets=LAG_BUCKETS,
            registry=self.registry,
        )

    def bind(self, ctx: AppContext) -> None:
        """Read the rest from the app when scraped."""
        self.registry.register(_AppCollector(ctx))

    def reject_frame(self, error: str) -> None:
        self.frames_rejected.labels(REJECT_REASONS.get(error, "invalid")).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)

    async def watch_event_loop(self) -> None:
        """Measure event-loop lag for as long as the app runs (cancel to stop)."""
        while True:
            start = time.perf_counter()
            await asyncio.sleep(LOOP_PROBE_SECONDS)
            self.loop_lag.observe(max(0.0, time.perf_counter() - start - LOOP_PROBE_SECONDS))


class _AppCollector(Collector):
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def collect(self) -> Iterator[Metric]:
        ctx = self.ctx
        stats = ctx.live.stats
        for name, help_, value in (
            ("proctor_frames_received", "Frames accepted for analysis.", stats.frames_received),
            ("proctor_frames_analyzed", "Frames analysed.", stats.frames_analyzed),
            (
                "proctor_frames_dropped",
                "Frames replaced by a newer one unanalysed.",
                stats.frames_dropped,
            ),
            (
                "proctor_frame_errors",
                "Frames the analysis failed on (undecodable).",
                stats.frame_errors,
            ),
            ("proctor_analysis_pool_restarts", "Analysis pool restarts.", ctx.pool.restarts),
            ("proctor_object_runs", "Object detector runs on live frames.", stats.object_runs),
            ("proctor_audio_chunks", "Microphone chunks analysed.", ctx.audio.stats.chunks),
            (
                "proctor_audio_chunks_refused",
                "Microphone chunks refused (bad stream, out of sequence, behind).",
                ctx.audio.stats.refused,
            ),
            (
                "proctor_audio_seconds",
                "Seconds of microphone audio analysed.",
                ctx.audio.stats.seconds,
            ),
            (
                "proctor_object_runs_skipped",
                "Object runs given up: no worker was free before a newer frame's turn.",
                stats.objects_skipped,
            ),
        ):
            yield CounterMetricFamily(name, help_, value=value)
        yield GaugeMetricFamily(
            "proctor_frames_pending",
            "Frames waiting in a session's slot.",
            value=sum(1 for a in ctx.live.sessions.values() if a.slot.pending),
        )
        waiting = GaugeMetricFamily(
            "proctor_analysis_waiting", "Jobs waiting for a free worker, by kind.", labels=["kind"]
        )
        for kind in Kind:
            waiting.add_metric([kind.name.lower()], ctx.pool.gate.waiting(kind))
        yield waiting
        yield GaugeMetricFamily(
            "proctor_live_sessions", "Sessions analysed on this node.", value=len(ctx.live.sessions)
        )
        clients = GaugeMetricFamily(
            "proctor_connected_clients", "Socket.IO clients on this node, by role.", labels=["role"]
        )
        roles = {"candidate": 0, "interviewer": 0}
        for conn in list(ctx.hub.connections.values()):
            roles[conn.principal.role] = roles.get(conn.principal.role, 0) + 1
        for role, count in sorted(roles.items()):
            clients.add_metric([role], count)
        yield clients
        yield GaugeMetricFamily(
            "proctor_analysis_workers", "Analysis worker processes.", value=ctx.pool.workers
        )
        yield from _worker_metrics(ctx.pool.worker_pids())
        if ctx.settings.redis_url:
            yield GaugeMetricFamily(
                "proctor_redis_up",
                "Whether Redis answered lately (1) or not (0).",
                value=1 if ctx.cluster.health.ok else 0,
            )
        info = GaugeMetricFamily("proctor_node_info", "This node.", labels=["node", "version"])
        info.add_metric([ctx.node_id, __version__], 1)
        yield info


def _worker_metrics(pids: list[int]) -> Iterator[Metric]:
    """CPU and memory of the analysis workers, which ``process_*`` (this process) leaves out."""
    cpu, rss = 0.0, 0
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            proc = psutil.Process(pid)
            times = proc.cpu_times()
            cpu += times.user + times.system
            rss += proc.memory_info().rss
    yield CounterMetricFamily(
        "proctor_workers_cpu_seconds", "CPU time of the analysis workers.", value=cpu
    )
    yield GaugeMetricFamily(
        "proctor_workers_resident_memory_bytes",
        "Resident memory of the analysis workers.",
        value=rss,
    )
