"""The check on people outside the phone-using set counts as the product runs the phone model:
phones found per labelled phone, false alarms per phone-free frame."""

from __future__ import annotations

from pathlib import Path

from training.phone.people import Sample, measure

from proctor.config import Settings
from proctor.evaluation.faces import read_manifest
from proctor.evaluation.objects import read_phone_boxes
from proctor.vision.models import bundled_model_path
from tests.conftest import read_bgr


def test_measure_counts_phones_and_phone_free_frames(evalset: Path) -> None:
    rows = read_phone_boxes(evalset / "phones" / "phones.csv")[:30]
    samples: list[Sample] = [
        ("held up", read_bgr(evalset / "phones" / "images" / r.file), list(r.boxes)) for r in rows
    ]
    free = [m for m in read_manifest(evalset) if "cell_phone" not in m.objects][:10]
    samples += [("phone-free", read_bgr(evalset / "images" / m.file), []) for m in free]
    counts = measure(bundled_model_path("phone"), samples, Settings())
    found, phones = counts["held up"]
    assert phones == sum(len(r.boxes) for r in rows)
    assert found / phones >= 0.6, f"found {found} of {phones} phones"
    raised, frames = counts["phone-free"]
    assert frames == 10 and raised <= 1, f"a phone on {raised} of {frames} phone-free images"
