"""``bench/markdown.py``: every benchmark rewrites only its own block of PERFORMANCE.md."""

from __future__ import annotations

from pathlib import Path

from bench.markdown import write_block


def test_a_section_with_notes_only_gets_the_block_added_and_keeps_the_notes(
    tmp_path: Path,
) -> None:
    out = tmp_path / "PERFORMANCE.md"
    out.write_text("# Performance\n\n## Web\n\n### Where\n\nhand-written\n\n## Vision\n\nV\n")
    write_block(out, "Web", "bench/web_latency.py", "first table")
    write_block(out, "Web", "bench/web_latency.py", "second table")
    text = out.read_text()
    web = text.split("## Web\n", 1)[1].split("\n## ", 1)[0]
    assert "hand-written" in web and "second table" in web and "first table" not in text
    assert text.count("<!-- bench/web_latency.py: begin -->") == 1
    assert text.endswith("## Vision\n\nV\n")


def test_each_benchmark_rewrites_only_its_own_block(tmp_path: Path) -> None:
    out = tmp_path / "PERFORMANCE.md"
    write_block(out, "Server", "bench/server_latency.py", "server numbers")
    write_block(out, "Web", "bench/web_latency.py", "web numbers")
    write_block(out, "Server", "bench/server_latency.py", "new server numbers")
    text = out.read_text()
    assert text.startswith("# Performance\n\n## Server\n\n")
    assert text.index("new server numbers") < text.index("## Web") < text.index("web numbers")
    assert "\nserver numbers" not in text
