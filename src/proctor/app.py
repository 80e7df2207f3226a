"""The application factory: FastAPI (REST, web app) and Socket.IO on one ASGI app."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import socketio
from fastapi import FastAPI, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from proctor import __version__
from proctor.api import alerts, events, identity, reports, sessions, system, videos
from proctor.api.headers import SecurityHeaders
from proctor.api.limits import BoundedRoute
from proctor.api.methods import AllowedMethods
from proctor.config import Settings, get_settings
from proctor.context import AppContext
from proctor.realtime import server
from proctor.retention import RetentionTask

log = logging.getLogger(__name__)

SPA_PREFIXES = ("c/", "i/", "review/")
NO_WEB_APP = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Proctor</title></head><body><h1>Proctor server is running</h1>
<p>The web app is not built. Run <code>make web</code>, then reload this page.</p>
<p>API reference: <a href="/docs">/docs</a>.</p></body></html>"""


def create_app(settings: Settings | None = None) -> socketio.ASGIApp:
    """A new app with its own database engine, analysis pool and Socket.IO server."""
    settings = settings or get_settings()
    sio = server.create_sio(settings)
    ctx = AppContext(settings, sio)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await ctx.start()
        retention = RetentionTask(
            ctx.engine,
            ctx.sessions,
            ctx.storage,
            days=settings.retention_days,
            interval_s=settings.retention_check_seconds,
        )
        retention.start()
        app.retention = retention  # for tests that watch it run
        try:
            yield
        finally:
            await retention.stop()
            await ctx.stop()

    api = FastAPI(
        title="Proctor",
        version=__version__,
        description="Remote proctoring: sessions, live events, recordings and reports.",
        lifespan=lifespan,
    )
    api.state.ctx = ctx
    if settings.cors_origins:
        api.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["Authorization", "Content-Type", "Range"],
        )
    # Added last, so it is outermost: CORS answers and errors carry the headers too.
    api.add_middleware(
        SecurityHeaders,
        index_html=settings.web_dir.resolve() / "index.html",
        public_url=settings.public_url,
        hsts_seconds=settings.hsts_seconds,
    )
    allowed = AllowedMethods(api)
    _error_handlers(api, allowed)
    for module in (sessions, events, videos, reports, system, alerts, identity):
        api.include_router(module.router)
    api.router.route_class = BoundedRoute
    _web_routes(api, settings.web_dir, allowed)
    server.register(sio, ctx)
    app = socketio.ASGIApp(sio, other_asgi_app=api, socketio_path="socket.io")
    app.ctx = ctx  # for tests and benchmarks that inspect the running app
    return app


def _error_handlers(api: FastAPI, allowed: AllowedMethods) -> None:
    @api.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        # A body that is not JSON at all is malformed (400), as one that is not UTF-8 is;
        # 422 is for JSON that does not fit the schema.
        for err in errors:
            if err.get("type") == "json_invalid":
                reason = err.get("ctx", {}).get("error", "not JSON")
                return JSONResponse({"detail": f"malformed JSON body: {reason}"}, status_code=400)
        messages = []
        for err in errors[:5]:
            where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
            messages.append(f"{where}: {err.get('msg', 'invalid')}")
        return JSONResponse({"detail": "; ".join(messages)}, status_code=422)

    @api.exception_handler(StarletteHTTPException)
    async def refused(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 405:
            # Starlette names the methods of one route only; the path may have several.
            methods = allowed(request.scope["path"])
            if methods:
                exc.headers = {**(exc.headers or {}), "Allow": ", ".join(methods)}
        return await http_exception_handler(request, exc)

    @api.exception_handler(Exception)
    async def crashed(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse({"detail": "internal error"}, status_code=500)


def _web_routes(api: FastAPI, web_dir: Path, allowed: AllowedMethods) -> None:
    root = web_dir.resolve()

    def index() -> Response:
        page = root / "index.html"
        if page.is_file():
            return FileResponse(page, headers={"Cache-Control": "no-cache"})
        return HTMLResponse(NO_WEB_APP)

    @api.get("/", include_in_schema=False)
    def home() -> Response:
        return index()

    @api.get("/{path:path}", include_in_schema=False)
    def web_file(path: str) -> Any:
        try:
            candidate = (root / path).resolve()
            found = candidate.is_relative_to(root) and candidate.is_file()
        except (OSError, ValueError):  # a NUL byte, a name too long for the file system
            found = False
        if found:
            return FileResponse(candidate)
        if path.startswith(SPA_PREFIXES):
            return index()
        if allowed(f"/{path}"):  # a path of the API, which takes other methods than GET
            raise HTTPException(405, "Method Not Allowed")
        raise HTTPException(404, "not found")
