"""The identity dev set's manifest (``devset.csv``).

The photos come from public repositories (each row: repository, commit, path, SHA-256,
identity, licence) and are kept out of this one, so no test can read them where the suite runs:
the decision's figures on them come from ``python -m bench.identity --data DIR``
(docs/EVALUATION.md, "Identity", says how to assemble DIR). The tests in this folder check the
decision on photos every checkout has (the evaluation set's).
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

MANIFEST = Path(__file__).with_name("devset.csv")


def rows() -> list[dict[str, str]]:
    with MANIFEST.open() as f:
        return list(csv.DictReader(f))


def test_manifest_names_sources_and_several_photos_per_person() -> None:
    entries = rows()
    assert len({r["file"] for r in entries}) == len(entries)
    for r in entries:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+", r["repo"]), r
        assert re.fullmatch(r"[0-9a-f]{40}", r["commit"]), r
        assert re.fullmatch(r"[0-9a-f]{64}", r["sha256"]), r
        assert r["path"] and r["licence"] and r["identity"], r
    per_person = Counter(r["identity"] for r in entries)
    assert len(per_person) >= 10
    assert sum(n >= 2 for n in per_person.values()) >= 10
