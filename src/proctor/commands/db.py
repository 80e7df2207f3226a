"""``proctor db upgrade|current``: database migrations (the server also upgrades at start)."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "db", help="database migrations", description="Upgrade or inspect the database schema."
    )
    parser.add_argument("action", choices=("upgrade", "current"), help="what to do")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from proctor.config import get_settings
    from proctor.db.engine import make_engine
    from proctor.db.migrate import current_revision, head_revision, upgrade

    settings = get_settings()
    url = settings.resolved_database_url
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    try:
        if args.action == "upgrade":
            upgrade(engine)
        current = current_revision(engine)
    except SQLAlchemyError as exc:
        print(f"proctor db: database error: {exc.__class__.__name__}: {exc}")
        return 1
    finally:
        engine.dispose()
    print(f"database at revision {current} (latest {head_revision()})")
    return 0
