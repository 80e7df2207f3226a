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
    parser.add_argument("--log-level", default="info", help="uvicorn log level (default info)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from proctor.app import create_app

    if not 0 < args.port < 65536:
        print(f"proctor serve: invalid port {args.port}")
        return 2
    uvicorn.run(
        create_app(),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        proxy_headers=True,
        ws="websockets-sansio",
    )
    return 0
