"""Service endpoints: health, browser configuration, Prometheus metrics."""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter, HTTPException
from fastapi.responses import JSONResponse, PlainTextResponse

from proctor.api.deps import Ctx
from proctor.api.responses import ClientConfigOut, HealthOut

router = APIRouter(tags=["service"])


async def _redis_state(url: str | None) -> str:
    if not url:
        return "off"
    import redis.asyncio as aioredis

    client = aioredis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        await client.ping()
        return "ok"
    except Exception:
        return "down"
    finally:
        await client.aclose()


@router.get("/healthz", response_model=HealthOut)
async def healthz(ctx: Ctx) -> JSONResponse:
    database = "ok" if await anyio.to_thread.run_sync(ctx.db_ok) else "down"
    redis = await _redis_state(ctx.settings.redis_url)
    body = {
        "status": "ok" if database == "ok" and redis != "down" else "degraded",
        "database": database,
        "redis": redis,
        "analysis": "ok" if ctx.pool.ready else (ctx.pool.error or "starting"),
    }
    return JSONResponse(body, status_code=200 if body["status"] == "ok" else 503)


@router.get("/client-config", response_model=ClientConfigOut)
def client_config(ctx: Ctx) -> dict[str, Any]:
    s = ctx.settings
    return {
        "ice_servers": s.ice_servers,
        "frame_interval_ms": s.frame_interval_ms,
        "frame_width": s.frame_width,
        "frame_height": s.frame_height,
        "jpeg_quality": s.jpeg_quality,
        "retention_days": s.retention_days,
        "chunk_interval_ms": s.chunk_interval_ms,
        "max_frame_bytes": s.max_frame_bytes,
        "max_chat_chars": s.max_chat_chars,
    }


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(ctx: Ctx) -> str:
    if not ctx.settings.metrics_public:
        raise HTTPException(404, "metrics are not public on this server")
    stats = ctx.live.stats
    lines: list[str] = []

    def metric(name: str, kind: str, help_: str, value: float) -> None:
        lines.extend((f"# HELP {name} {help_}", f"# TYPE {name} {kind}", f"{name} {value}"))

    metric("proctor_frames_received_total", "counter", "Frames accepted.", stats.frames_received)
    metric(
        "proctor_frames_dropped_total",
        "counter",
        "Frames replaced unanalysed.",
        stats.frames_dropped,
    )
    metric("proctor_frames_analyzed_total", "counter", "Frames analysed.", stats.frames_analyzed)
    metric("proctor_frame_errors_total", "counter", "Frames refused.", stats.frame_errors)
    metric("proctor_analysis_seconds_total", "counter", "Time in analysis.", stats.analysis_seconds)
    metric("proctor_analysis_pool_restarts_total", "counter", "Pool restarts.", ctx.pool.restarts)
    metric("proctor_live_sessions", "gauge", "Sessions being analysed.", len(ctx.live.sessions))
    metric("proctor_connections", "gauge", "Socket.IO connections.", len(ctx.hub.connections))
    return "\n".join(lines) + "\n"
