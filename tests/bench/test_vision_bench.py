"""``bench/vision.py`` on a tiny run: its table has every row and it edits only its section."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import vision
from proctor.vision.models import OBJECT_MODELS, face_model_path
from tests.conftest import require, with_models

pytestmark = [pytest.mark.models, pytest.mark.slow]

ROWS = (
    "decode (JPEG, 640x480)",
    "face detection",
    "mesh + iris (primary face)",
    "objects: CenterNet",
    "whole pipeline, no objects",
    "whole pipeline, CenterNet",
    "… without decode, no objects",
    "frames/s per core, CenterNet",
    "pipeline / bare models (with decode), no objects",
    "peak RSS, fresh process, CenterNet",
)


def test_short_run_writes_the_vision_section(evalset: Path, tmp_path: Path) -> None:
    from proctor.config import Settings

    with_models(lambda: face_model_path("face_short"))
    model = Settings().models_dir / OBJECT_MODELS["centernet"].filename
    require(model.is_file(), f"{model} is not installed: run `make models`")
    out = tmp_path / "PERFORMANCE.md"
    out.write_text(
        "# Performance\n\n## Server\n\nserver numbers\n\n## Vision\n\nnotes\n\n## Web\n\nweb\n"
    )
    assert vision.main(["--runs", "2", "--threads", "1", "--write", str(out)]) == 0
    text = out.read_text()
    assert "server numbers" in text and "## Web\n\nweb" in text
    section = text.split("## Vision\n", 1)[1].split("\n## ", 1)[0]
    assert section.startswith("\nnotes\n\n" + vision.BEGIN)  # hand-written notes stay
    assert "load average" in section and "cores" in section
    lines = {line.split(" | ")[0].lstrip("| "): line for line in section.splitlines()}
    for row in ROWS:
        assert row in lines, row
        cells = lines[row].strip("| ").split(" | ")[1:]
        assert len(cells) == 1 and cells[0] not in ("", "-", "nan / nan"), (row, cells)
    peak = float(lines["peak RSS, fresh process, CenterNet"].split(" | ")[1].split()[0])
    assert 50 < peak < 4000  # MB: models loaded, nothing absurd


def test_notes_around_the_measured_block_survive(tmp_path: Path) -> None:
    out = tmp_path / "PERFORMANCE.md"
    out.write_text("# Performance\n\n## Server\n\nS\n")
    vision.write_section(out, "first numbers")
    notes = "\n\n### Where the time goes\n\nhand-written\n"
    out.write_text(out.read_text().replace(vision.END, vision.END + notes) + "\n## Load\n\nL\n")
    vision.write_section(out, "second numbers")
    text = out.read_text()
    assert "first numbers" not in text and "second numbers" in text
    assert text.startswith("# Performance\n\n## Server\n\nS\n\n## Vision\n")
    assert "### Where the time goes\n\nhand-written\n" in text and text.endswith("## Load\n\nL\n")
