"""``proctor purge [--older-than DAYS] [--dry-run]``: delete the sessions past retention.

Sessions that ended (or, never ended, started) more than DAYS ago go with their events, chat,
evidence images, recordings and upload chunks. The server runs the same purge daily with
``PROCTOR_RETENTION_DAYS``.
"""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "purge",
        help="delete sessions older than the retention period",
        description=(
            "Delete sessions that ended (or started, if never ended) more than DAYS ago, with "
            "their events, chat, evidence images, recordings and upload chunks; then files no "
            "session owns and abandoned uploads. Prints what it deleted."
        ),
    )
    parser.add_argument(
        "--older-than",
        type=float,
        default=None,
        metavar="DAYS",
        help="age in days (default: PROCTOR_RETENTION_DAYS)",
    )
    parser.add_argument("--dry-run", action="store_true", help="only list what would be deleted")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from proctor.config import get_settings
    from proctor.db.engine import make_engine, make_sessionmaker
    from proctor.db.migrate import upgrade
    from proctor.retention import purge
    from proctor.storage import Storage

    settings = get_settings()
    days = settings.retention_days if args.older_than is None else args.older_than
    if days < 0:
        print("proctor purge: --older-than must be 0 or more days")
        return 2
    storage = Storage(settings.data_dir)
    if not storage.root.is_dir():
        print(f"proctor purge: no data directory at {storage.root}: nothing to delete")
        return 0
    engine = make_engine(settings.resolved_database_url)
    try:
        upgrade(engine)  # an older schema would not have every table the purge deletes from
        result = purge(make_sessionmaker(engine), storage, days, dry_run=args.dry_run)
    except SQLAlchemyError as exc:
        print(f"proctor purge: database error: {exc.__class__.__name__}: {exc}")
        return 1
    finally:
        engine.dispose()
    verb = "would delete" if args.dry_run else "deleted"
    for line in result.details:
        print(f"{verb} {line}")
    print(result.summary())
    return 0
