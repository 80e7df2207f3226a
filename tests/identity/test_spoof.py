"""Human's antispoof and liveness models, converted by the project's TF.js converter: they load
from the pinned npm files, score a real webcam face as probabilities, and a damaged file is
refused by name. How little they can be trusted is measured by bench.spoof (docs/EVALUATION.md,
"Spoofing"); the product shows them as advice only."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from proctor.config import get_settings
from proctor.identity.faces import FaceFinder
from proctor.identity.spoof import SPECS, SpoofModels
from proctor.vision.detectors.base import ModelMissingError
from proctor.vision.models import human_package_dir
from tests.conftest import with_models
from tests.identity.frames import MAN, clip_frame


@pytest.mark.models
def test_scores_of_a_webcam_face_are_probabilities(evalset: Path) -> None:
    models = with_models(SpoofModels.load)
    frame = clip_frame(evalset, MAN)
    face = FaceFinder().primary(frame)
    assert face is not None
    first = models.scores(frame, face)
    assert set(first) == {spec.name for spec in SPECS}
    assert all(0.0 <= v <= 1.0 for v in first.values()), first
    assert models.scores(frame, face) == first  # the same face, the same scores
    # A flat grey square where the face was is not scored like the face.
    flat = frame.copy()
    x1, y1, x2, y2 = (round(v) for v in face.box)
    flat[y1:y2, x1:x2] = 128
    assert models.scores(flat, face) != first


@pytest.mark.models
def test_a_damaged_model_file_is_refused(tmp_path: Path) -> None:
    package = with_models(lambda: human_package_dir(get_settings().models_dir))
    copy = tmp_path / "npm" / "node_modules" / "@vladmandic" / "human"
    (copy / "models").mkdir(parents=True)
    for spec in SPECS:
        for rel in spec.files:
            shutil.copy(package / rel, copy / rel)
    target = copy / "models" / "liveness.bin"
    data = bytearray(target.read_bytes())
    data[100] ^= 0xFF
    target.write_bytes(bytes(data))
    with pytest.raises(ModelMissingError, match=r"liveness\.bin"):
        SpoofModels.load(tmp_path)
