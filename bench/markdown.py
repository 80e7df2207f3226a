"""Writing a benchmark's results into docs/PERFORMANCE.md without touching anything else.

Each benchmark owns one block between ``<!-- NAME: begin -->`` and ``<!-- NAME: end -->``
inside a ``## Heading`` section; the notes written by hand around it stay as they are.
"""

from __future__ import annotations

import re
from pathlib import Path


def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}: begin -->", f"<!-- {name}: end -->"


def write_block(path: Path, heading: str, name: str, body: str) -> None:
    """Replace the block ``name``; when it is missing, add it at the end of the ``## heading``
    section, or add the section at the end of the file."""
    text = path.read_text() if path.exists() else "# Performance\n"
    begin, end = markers(name)
    block = f"{begin}\n{body.strip()}\n{end}"
    marked = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
    section = re.compile(rf"^## {re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    if marked.search(text):
        text = marked.sub(lambda _: block, text, count=1)
    elif (found := section.search(text)) is not None:
        text = text[: found.end()].rstrip() + "\n\n" + block + "\n\n" + text[found.end() :]
    else:
        text = text.rstrip() + f"\n\n## {heading}\n\n" + block + "\n"
    path.write_text(text.rstrip() + "\n")
