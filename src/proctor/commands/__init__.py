"""Sub-commands of ``proctor``. Each module defines ``add_parser(subparsers)``.

A module's parser sets ``func`` to a callable taking the parsed arguments and returning
the exit code.
"""

COMMAND_MODULES: tuple[str, ...] = (
    "serve",
    "db",
    "models",
    "analyze",
    "identity",
    "eval",
    "purge",
    "loadtest",
)
