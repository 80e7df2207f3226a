"""Running the whole pipeline over an evaluation directory and scoring what it reports.

A directory holds ``manifest.csv`` and ``images/`` (the evaluation set's format), optionally
``phones/phones.csv`` with ``phones/images/`` (box-level phone labels) and ``videos.csv`` with
``videos/``. Every manifest image goes through the real pipeline with the object detector on;
the scoring itself is ``evaluation.faces`` and ``evaluation.objects``.

``extra_person`` is predicted the way the server's rules raise it: a second face
(``multiple_faces_detected``) or two or more ``person`` boxes (``object_detected``).
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from proctor.evaluation.faces import (
    BinaryScore,
    FaceCountScore,
    ManifestRow,
    analyze_manifest,
    read_manifest,
    score_binary,
    score_face_counts,
)
from proctor.evaluation.objects import (
    LabelScore,
    PhoneScore,
    image_labels,
    read_phone_boxes,
    run_images,
    score_image_labels,
    score_phones,
)
from proctor.vision.detectors.base import ObjectDetector
from proctor.vision.pipeline import Pipeline
from proctor.vision.types import Detection, Observation

# The numbers: (what, minimum).
FACE_COUNT_TARGET = 0.90
LOOKING_AWAY_F1_TARGET = 0.90
# Clips are sampled as ``proctor analyze --fps 4`` samples them, calibrated the same way
VIDEO_FPS = 4.0
OBJECT_PRECISION_TARGET = 0.75
OBJECT_RECALL_TARGET = 0.5
EXTRA_PERSON_RECALL_TARGET = 0.6
OBJECT_TARGET_LABELS = ("cell_phone", "book", "laptop", "monitor_tv")


def predicted_labels(detections: Iterable[Detection], face_count: int) -> set[str]:
    """Manifest labels for one image: its object boxes, plus ``extra_person`` for a 2nd face."""
    labels = image_labels(detections)
    if face_count >= 2:
        labels.add("extra_person")
    return labels


@dataclass(slots=True)
class ObjectResult:
    """One object model's image-level scores on the manifest and box-level phone recall."""

    name: str
    thresholds: dict[str, float]
    labels: dict[str, LabelScore]
    phones: PhoneScore | None
    detections: dict[str, list[Detection]]  # per manifest image


@dataclass(slots=True)
class ClipSummary:
    """What the pipeline reported on one video at the sampling rate, against its labels."""

    file: str
    expected: str
    frames: int = 0
    face_counts: Counter[int] = field(default_factory=Counter)
    looking_away: int = 0
    objects: dict[str, tuple[int, float]] = field(default_factory=dict)  # frames, best score
    max_persons: int = 0
    # Frames labelled looking away (True) or not (False): (frames, judged looking away)
    away_by_label: dict[bool, tuple[int, int]] = field(default_factory=dict)


@dataclass(slots=True)
class Evaluation:
    directory: Path
    rows: list[ManifestRow]
    observations: dict[str, Observation]
    faces: FaceCountScore
    looking_away: BinaryScore
    objects: ObjectResult
    videos: list[ClipSummary] = field(default_factory=list)
    compared: list[ObjectResult] = field(default_factory=list)

    def targets(self) -> list[tuple[str, float, float]]:
        """(measure, value, minimum) for every number the issue asks for."""
        labels = self.objects.labels
        out = [
            ("face-count exact match", self.faces.accuracy, FACE_COUNT_TARGET),
            ("looking_away F1", self.looking_away.f1, LOOKING_AWAY_F1_TARGET),
        ]
        for label in OBJECT_TARGET_LABELS:
            out.append((f"{label} precision", labels[label].precision, OBJECT_PRECISION_TARGET))
            out.append((f"{label} recall", labels[label].recall, OBJECT_RECALL_TARGET))
        out.append(
            ("extra_person recall", labels["extra_person"].recall, EXTRA_PERSON_RECALL_TARGET)
        )
        return out

    def missed_targets(self) -> list[str]:
        return [name for name, value, low in self.targets() if value < low]


def score_objects(
    name: str,
    detector: ObjectDetector,
    detections: Mapping[str, list[Detection]],
    face_counts: Mapping[str, int],
    rows: Sequence[ManifestRow],
    directory: Path,
    *,
    phones: bool = True,
) -> ObjectResult:
    """Image-level scores from ``detections`` and, when the directory has phones, box recall."""
    labels = {r.file: predicted_labels(detections[r.file], face_counts[r.file]) for r in rows}
    phone_score = None
    phones_csv = directory / "phones" / "phones.csv"
    if phones and phones_csv.is_file():
        phone_rows = read_phone_boxes(phones_csv)
        found = run_images(
            detector.detect, directory / "phones" / "images", [p.file for p in phone_rows]
        )
        boxes = {f: [d.box for d in dets if d.label == "cell_phone"] for f, dets in found.items()}
        phone_score = score_phones(boxes, phone_rows, labels, rows)
    return ObjectResult(
        name=name,
        thresholds=dict(getattr(detector, "thresholds", {})),
        labels=score_image_labels(labels, rows),
        phones=phone_score,
        detections=dict(detections),
    )


def evaluate(
    pipeline: Pipeline, directory: Path, *, phones: bool = True, videos: bool = True
) -> Evaluation:
    """The pipeline (objects on every image) over ``directory``, scored; ``phones`` and
    ``videos`` turn off the parts that ``phones/phones.csv`` and ``videos.csv`` add."""
    rows = read_manifest(directory)
    observations = analyze_manifest(pipeline, directory, rows, None, run_objects=True)
    counts = {f: obs.face_count for f, obs in observations.items()}
    detections = {f: obs.objects for f, obs in observations.items()}
    detector = pipeline.objects
    result = Evaluation(
        directory=directory,
        rows=rows,
        observations=observations,
        faces=score_face_counts((r.file, r.faces, counts[r.file]) for r in rows),
        looking_away=score_binary(
            (r.file, r.looking_away, observations[r.file].looking_away) for r in rows
        ),
        objects=score_objects(
            detector.name, detector, detections, counts, rows, directory, phones=phones
        ),
    )
    if videos and (directory / "videos.csv").is_file():
        result.videos = summarize_videos(pipeline, directory)
    return result


def compare_detector(
    name: str, detector: ObjectDetector, evaluation: Evaluation, *, phones: bool = True
) -> ObjectResult:
    """Another object model on the same images; faces (for ``extra_person``) come from the
    pipeline's run, so only the object model differs."""
    files = [r.file for r in evaluation.rows]
    detections = run_images(detector.detect, evaluation.directory / "images", files)
    counts = {f: obs.face_count for f, obs in evaluation.observations.items()}
    return score_objects(
        name, detector, detections, counts, evaluation.rows, evaluation.directory, phones=phones
    )


_SEGMENT = re.compile(r"~?(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)\s*s\s+(true|false)")


def away_segments(label: str) -> list[tuple[float, float, bool]] | None:
    """The looking-away label of a clip as (from, to, looking away) spans of seconds: ``true`` or
    ``false`` (anything starting with it: the whole clip), or ``segments: ~0-5s false; ~5-10s
    true; ...``; None when there is no such label (``na``)."""
    label = label.strip().lower()
    if label.startswith("segments"):
        return [(float(a), float(b), v == "true") for a, b, v in _SEGMENT.findall(label)]
    if label.startswith(("true", "false")):
        return [(0.0, float("inf"), label.startswith("true"))]
    return None


def summarize_videos(
    pipeline: Pipeline, directory: Path, fps: float = VIDEO_FPS
) -> list[ClipSummary]:
    """Each clip of ``videos.csv`` sampled at ``fps``, objects on every sampled frame, judged
    against the neutral calibrated on its first seconds (as ``proctor analyze`` does)."""
    from proctor.vision.attention import Calibrator
    from proctor.vision.calibrated import judged_frames
    from proctor.vision.video import sample_frames

    with (directory / "videos.csv").open(newline="", encoding="utf-8") as f:
        clips = list(csv.DictReader(f))
    out = []
    for clip in clips:
        expected = (
            f"faces {clip.get('faces', '?')}, looking_away {clip.get('looking_away', '?')}, "
            f"objects {clip.get('objects') or 'none'}"
        )
        segments = away_segments(clip.get("looking_away", ""))
        summary = ClipSummary(file=clip["file"], expected=expected)
        frames = sample_frames(directory / "videos" / clip["file"], fps)
        calibrator = Calibrator.from_settings(pipeline.settings)
        for frame, obs in judged_frames(pipeline, frames, calibrator, 1):
            summary.frames += 1
            summary.face_counts[obs.face_count] += 1
            summary.looking_away += obs.looking_away is True
            summary.max_persons = max(summary.max_persons, obs.persons)
            labelled = [v for a, b, v in segments or [] if a <= frame.t < b]
            if labelled:
                n, away = summary.away_by_label.get(labelled[0], (0, 0))
                summary.away_by_label[labelled[0]] = (n + 1, away + (obs.looking_away is True))
            for label in {d.label for d in obs.objects if d.label != "person"}:
                best = max(d.score for d in obs.objects if d.label == label)
                frames_seen, score = summary.objects.get(label, (0, 0.0))
                summary.objects[label] = (frames_seen + 1, max(score, best))
        out.append(summary)
    return out
