"""Face-count and looking-away scoring against a ``manifest.csv`` (the evaluation set's format).

``faces`` is an exact count; ``looking_away`` is ``true``, ``false`` or ``na`` (no face). A frame
where the pipeline finds no face counts as "not looking away" against a ``true`` label.
Run ``python -m proctor.evaluation.faces DIR`` to print the scores for a directory.
"""

from __future__ import annotations

import csv
import statistics
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from proctor.vision.attention import NeutralPose
from proctor.vision.pipeline import Pipeline
from proctor.vision.types import Observation


@dataclass(frozen=True, slots=True)
class ManifestRow:
    file: str
    faces: int
    looking_away: bool | None  # None: "na"
    category: str
    objects: frozenset[str] = frozenset()


def read_manifest(path: Path) -> list[ManifestRow]:
    """Rows of a manifest; ``path`` is the CSV file or the directory holding ``manifest.csv``."""
    if path.is_dir():
        path = path / "manifest.csv"
    rows = []
    with path.open(newline="", encoding="utf-8") as f:
        for raw in csv.DictReader(f):
            away = raw["looking_away"].strip().lower()
            rows.append(
                ManifestRow(
                    file=raw["file"],
                    faces=int(raw["faces"]),
                    looking_away=None if away == "na" else away == "true",
                    category=raw.get("category", ""),
                    objects=frozenset(o for o in raw.get("objects", "").split(";") if o),
                )
            )
    return rows


@dataclass(slots=True)
class FaceCountScore:
    total: int = 0
    correct: int = 0
    confusion: Counter[tuple[int, int]] = field(default_factory=Counter)  # (true, predicted)
    errors: list[tuple[str, int, int]] = field(default_factory=list)  # file, true, predicted

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def table(self, cap: int = 4) -> str:
        """The confusion table as text: rows are true counts, columns predicted (``cap``+)."""

        def bucket(n: int) -> str:
            return f"{cap}+" if n >= cap else str(n)

        labels = [bucket(n) for n in range(cap + 1)]
        cells: Counter[tuple[str, str]] = Counter()
        for (true, predicted), n in self.confusion.items():
            cells[bucket(true), bucket(predicted)] += n
        lines = ["true\\pred " + " ".join(f"{lab:>4}" for lab in labels)]
        for row in labels:
            lines.append(f"{row:>9} " + " ".join(f"{cells[row, col]:>4}" for col in labels))
        return "\n".join(lines)


def score_face_counts(items: Iterable[tuple[str, int, int]]) -> FaceCountScore:
    """Exact-match accuracy and confusion over (file, true count, predicted count)."""
    score = FaceCountScore()
    for name, true, predicted in items:
        score.total += 1
        score.confusion[true, predicted] += 1
        if true == predicted:
            score.correct += 1
        else:
            score.errors.append((name, true, predicted))
    return score


@dataclass(slots=True)
class BinaryScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    errors: list[tuple[str, bool, bool]] = field(default_factory=list)  # file, true, predicted

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        denominator = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denominator if denominator else 0.0


def score_binary(items: Iterable[tuple[str, bool | None, bool | None]]) -> BinaryScore:
    """P/R/F1 over (file, label, prediction); rows labelled None are skipped, a None
    prediction counts as False."""
    score = BinaryScore()
    for name, label, predicted in items:
        if label is None:
            continue
        guess = bool(predicted)
        if label and guess:
            score.tp += 1
        elif guess:
            score.fp += 1
        elif label:
            score.fn += 1
        else:
            score.tn += 1
        if guess != label:
            score.errors.append((name, label, guess))
    return score


@dataclass(slots=True)
class FaceEvaluation:
    faces: FaceCountScore
    looking_away: BinaryScore
    observations: dict[str, Observation]


def analyze_manifest(
    pipeline: Pipeline,
    directory: Path,
    rows: Sequence[ManifestRow],
    neutral: NeutralPose | None,
    *,
    run_objects: bool = False,
) -> dict[str, Observation]:
    """Each manifest image through the pipeline (faces only unless ``run_objects``)."""
    return {
        row.file: pipeline.analyze_bytes(
            (directory / "images" / row.file).read_bytes(),
            neutral=neutral,
            run_objects=run_objects,
        )
        for row in rows
    }


def evaluate_faces(
    pipeline: Pipeline, directory: Path, *, neutral: NeutralPose | None = None
) -> FaceEvaluation:
    """Face counts and looking away for every image of ``directory/manifest.csv``."""
    rows = read_manifest(directory)
    observations = analyze_manifest(pipeline, directory, rows, neutral)
    faces = score_face_counts((r.file, r.faces, observations[r.file].face_count) for r in rows)
    away = score_binary((r.file, r.looking_away, observations[r.file].looking_away) for r in rows)
    return FaceEvaluation(faces=faces, looking_away=away, observations=observations)


def measure_neutral(
    rows: Sequence[ManifestRow], observations: dict[str, Observation]
) -> NeutralPose | None:
    """Median pose and gaze of single, frontal (not looking away) faces: the default neutral."""
    poses, gazes = [], []
    for row in rows:
        face = observations[row.file].primary_face
        if row.category != "single" or row.looking_away is not False or face is None:
            continue
        if face.head_pose is not None:
            poses.append(face.head_pose)
        if face.gaze is not None:
            gazes.append(face.gaze)
    if not poses or not gazes:
        return None
    return NeutralPose(
        yaw=statistics.median(p.yaw for p in poses),
        pitch=statistics.median(p.pitch for p in poses),
        roll=statistics.median(p.roll for p in poses),
        gaze_horizontal=statistics.median(g.horizontal for g in gazes),
        gaze_vertical=statistics.median(g.vertical for g in gazes),
    )


def report(evaluation: FaceEvaluation) -> str:
    """A plain-text summary: accuracy, confusion table, P/R/F1, and the images it gets wrong."""
    fc, la = evaluation.faces, evaluation.looking_away
    lines = [
        f"face count exact match: {fc.accuracy:.3f} ({fc.correct}/{fc.total})",
        fc.table(),
        f"looking_away: precision {la.precision:.3f}  recall {la.recall:.3f}  f1 {la.f1:.3f}"
        f"  (tp {la.tp}, fp {la.fp}, fn {la.fn}, tn {la.tn})",
    ]
    lines += [f"  faces wrong: {n} true {t} predicted {p}" for n, t, p in fc.errors]
    lines += [f"  looking_away wrong: {n} true {t} predicted {p}" for n, t, p in la.errors]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    from proctor.config import Settings

    args = list(sys.argv[1:] if argv is None else argv)
    directory = Path(args[0] if args else "../shared/evalset")
    pipeline = Pipeline(Settings(object_model="none"))
    evaluation = evaluate_faces(pipeline, directory)
    print(report(evaluation))
    neutral = measure_neutral(read_manifest(directory), evaluation.observations)
    print(f"measured neutral: {neutral}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
