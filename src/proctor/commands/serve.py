"""``proctor serve``: the web app, REST API and Socket.IO on one port."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "serve", help="run the server", description="Serve the web app, REST API and Socket.IO."
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument(
        "--log-level",
        default=None,
        choices=("debug", "info", "warning", "error"),
        help="log level (default PROCTOR_LOG_LEVEL, else info)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from proctor.app import create_app
    from proctor.config import get_settings
    from proctor.observability.logs import configure, default_node_id

    if not 0 < args.port < 65536:
        print(f"proctor serve: invalid port {args.port}")
        return 2
    settings = get_settings()
    if not settings.node_id:  # one name for the logs and the cluster
        settings = settings.model_copy(update={"node_id": default_node_id()})
    level = args.log_level or settings.log_level
    configure(settings.log_format, level, settings.node_id)
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_level=level,
        log_config=None,  # uvicorn's loggers go through the handler set up above
        proxy_headers=True,
        ws="websockets-sansio",
    )
    return 0
