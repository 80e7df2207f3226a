"""The ``proctor`` command: one sub-command per module in ``proctor.commands``."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from proctor import __version__
from proctor.commands import COMMAND_MODULES


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="proctor", description="Remote proctoring server and tools"
    )
    parser.add_argument("--version", action="version", version=f"proctor {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        # Each module adds its parser; heavy imports happen only when its command runs.
        importlib.import_module(f"proctor.commands.{name}").add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
