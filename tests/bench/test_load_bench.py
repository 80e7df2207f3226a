"""``bench/load.py`` and ``bench/load_compare.py`` write only their own blocks of Load."""

from __future__ import annotations

from pathlib import Path

from bench.load import write_block


def test_blocks_replace_themselves_and_keep_the_notes_around_them(tmp_path: Path) -> None:
    out = tmp_path / "PERFORMANCE.md"
    out.write_text("# Performance\n\n## Server\n\nS\n\n## Load\n\nold notes\n\n## Web\n\nW\n")
    write_block(out, "bench/load.py", "first search")
    write_block(out, "bench/load_compare.py", "first comparison")
    text = out.read_text()
    load = text.split("## Load\n", 1)[1].split("\n## ", 1)[0]
    assert "old notes" in load and "first search" in load and "first comparison" in load
    assert text.endswith("## Web\n\nW\n")

    write_block(out, "bench/load.py", "second search")
    text = out.read_text()
    assert "first search" not in text and "second search" in text
    assert "first comparison" in text and "old notes" in text
    assert text.count("<!-- bench/load.py: begin -->") == 1


def test_a_missing_load_section_is_added(tmp_path: Path) -> None:
    out = tmp_path / "PERFORMANCE.md"
    out.write_text("# Performance\n\n## Vision\n\nV\n")
    write_block(out, "bench/load.py", "numbers")
    text = out.read_text()
    assert text.startswith("# Performance\n\n## Vision\n\nV\n\n## Load\n\n")
    assert "numbers" in text.split("## Load\n", 1)[1]
