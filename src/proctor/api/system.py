"""Service endpoints: health, browser configuration, Prometheus metrics."""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter, HTTPException, Response
from fastapi.responses import JSONResponse

from proctor.api.deps import Ctx
from proctor.api.errors import errors
from proctor.api.limits import BoundedRoute
from proctor.api.responses import ClientConfigOut, HealthOut
from proctor.observability.metrics import CONTENT_TYPE

router = APIRouter(tags=["service"], route_class=BoundedRoute)


@router.get(
    "/healthz",
    response_model=HealthOut,
    responses={503: {"model": HealthOut, "description": "Degraded"}},
)
async def healthz(ctx: Ctx) -> JSONResponse:
    database = "ok" if await anyio.to_thread.run_sync(ctx.db_ok) else "down"
    redis = await ctx.cluster.ping()  # a change is logged once, not at every check
    body = {
        "status": "ok" if database == "ok" and redis != "down" else "degraded",
        "database": database,
        "redis": redis,
        "analysis": "ok" if ctx.pool.ready else (ctx.pool.error or "starting"),
        "audio": "ok" if ctx.audio.ready else (ctx.audio.error or "starting"),
        "node": ctx.node_id,
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
        "identity_every_s": s.identity_every_s,  # the consent page says how often
    }


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}}, **errors(404)},
)
async def metrics(ctx: Ctx) -> Response:
    """Prometheus text format. Read on the event loop: the counters live there."""
    if not ctx.settings.metrics_public:
        raise HTTPException(404, "metrics are not public on this server")
    return Response(ctx.metrics.render(), media_type=CONTENT_TYPE)
