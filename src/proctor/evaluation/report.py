"""Text and Markdown views of an ``Evaluation`` (``evaluation.runner``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from proctor.evaluation.faces import BinaryScore
from proctor.evaluation.objects import MANIFEST_LABELS, PRODUCT_TO_MANIFEST, LabelScore
from proctor.evaluation.runner import VIDEO_FPS, ClipSummary, Evaluation, ObjectResult
from proctor.vision.types import Detection, Observation

Score = BinaryScore | LabelScore


def _row(name: str, s: Score) -> tuple[str, ...]:
    return (
        name,
        f"{s.precision:.2f}",
        f"{s.recall:.2f}",
        f"{s.f1:.2f}",
        str(s.tp),
        str(s.fp),
        str(s.fn),
    )


def label_rows(ev: Evaluation) -> list[tuple[str, ...]]:
    """looking_away and every manifest object label: P, R, F1, tp, fp, fn."""
    rows = [_row("looking_away", ev.looking_away)]
    rows += [_row(label, ev.objects.labels[label]) for label in MANIFEST_LABELS]
    return rows


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> str:
    """A Markdown table; ``align`` gives one character per column, ``l`` or ``r``."""
    marks = ["---:" if (align[i : i + 1] or "r") == "r" else "---" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(marks) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def confusion_markdown(ev: Evaluation, cap: int = 4) -> str:
    """Face counts: rows are the labelled count, columns the predicted one (``cap``+)."""

    def bucket(n: int) -> int:
        return min(n, cap)

    cells: defaultdict[tuple[int, int], int] = defaultdict(int)
    for (true, predicted), n in ev.faces.confusion.items():
        cells[bucket(true), bucket(predicted)] += n
    names = [f"{n}+" if n == cap else str(n) for n in range(cap + 1)]
    rows = [
        [f"**{names[t]}**", *(str(cells[t, p]) for p in range(cap + 1))] for t in range(cap + 1)
    ]
    return markdown_table(["labelled \\ predicted", *names], rows, "l" + "r" * (cap + 1))


def _boxes(detections: Sequence[Detection], label: str) -> str:
    scores = [f"{d.score:.2f}" for d in detections if d.label == label]
    return ", ".join(scores) if scores else "none"


def _face_detail(obs: Observation) -> str:
    face = obs.primary_face
    if face is None:
        return "no face"
    parts = [f"{obs.face_count} face(s), scores " + ", ".join(f"{f.score:.2f}" for f in obs.faces)]
    if face.head_pose is not None:
        p = face.head_pose
        parts.append(f"yaw {p.yaw:+.0f} pitch {p.pitch:+.0f}")
    else:
        parts.append("mesh unreadable")
    if face.gaze is not None:
        parts.append(f"gaze {face.gaze.horizontal:+.2f}/{face.gaze.vertical:+.2f}")
    return "; ".join(parts)


def wrong_images(ev: Evaluation) -> dict[str, list[str]]:
    """Per image, every measure it gets wrong, with what the pipeline reported."""
    out: defaultdict[str, list[str]] = defaultdict(list)
    for name, true, predicted in ev.faces.errors:
        out[name].append(
            f"faces: labelled {true}, found {predicted} ({_face_detail(ev.observations[name])})"
        )
    for name, true, guess in ev.looking_away.errors:
        out[name].append(
            f"looking_away: labelled {str(true).lower()}, reported {str(guess).lower()} "
            f"({_face_detail(ev.observations[name])})"
        )
    reverse = {v: k for k, v in PRODUCT_TO_MANIFEST.items()}
    for label, score in ev.objects.labels.items():
        for name in score.false_positives + score.misses:
            obs = ev.observations[name]
            kind = "false alarm" if name in score.false_positives else "missed"
            if label == "extra_person":
                seen = f"{obs.face_count} face(s), {obs.persons} person box(es)"
            else:
                seen = f"{reverse[label]} boxes: {_boxes(obs.objects, reverse[label])}"
            out[name].append(f"{label}: {kind} ({seen})")
    return dict(sorted(out.items()))


def _phones(result: ObjectResult) -> str:
    ph = result.phones
    if ph is None:
        return "no phones/phones.csv"
    return (
        f"box recall {ph.recall:.2f} ({ph.found}/{ph.total}), false alarms on phone-free "
        f"images {ph.false_alarm_rate:.2f} ({ph.false_alarms}/{ph.phone_free})"
    )


def _clip_line(c: ClipSummary) -> str:
    faces = ", ".join(f"{n} face(s): {k}" for n, k in sorted(c.face_counts.items()))
    objects = ", ".join(
        f"{label} in {n} (best {s:.2f})" for label, (n, s) in sorted(c.objects.items())
    )
    shares = "".join(
        f" ({away}/{n} = {away / n:.2f} of the frames labelled {'away' if label else 'not away'})"
        for label, (n, away) in sorted(c.away_by_label.items(), reverse=True)
        if n
    )
    return (
        f"{c.frames} frames; {faces}; looking away in {c.looking_away}{shares}; "
        f"objects: {objects or 'none'}; most persons in a frame: {c.max_persons}"
    )


def text(ev: Evaluation) -> str:
    """The plain-text report ``proctor eval`` prints."""
    fc = ev.faces
    lines = [
        f"{ev.directory}: {len(ev.rows)} images; objects by {ev.objects.name} "
        f"(thresholds {ev.objects.thresholds})",
        f"face count exact match: {fc.accuracy:.3f} ({fc.correct}/{fc.total})",
        fc.table(),
        "",
        f"{'label':<13} {'P':>5} {'R':>5} {'F1':>5}  {'tp':>3} {'fp':>3} {'fn':>3}",
    ]
    for name, p, r, f1, tp, fp, fn in label_rows(ev):
        lines.append(f"{name:<13} {p:>5} {r:>5} {f1:>5}  {tp:>3} {fp:>3} {fn:>3}")
    lines.append(f"phones: {_phones(ev.objects)}")
    missed = ev.missed_targets()
    lines.append("targets: all met" if not missed else f"targets missed: {', '.join(missed)}")
    for name, problems in wrong_images(ev).items():
        lines.append(f"  {name}: " + "; ".join(problems))
    for clip in ev.videos:
        lines.append(f"video {clip.file}: {_clip_line(clip)} [labelled: {clip.expected}]")
    for other in ev.compared:
        lines.append(f"\ncompared: {other.name} (thresholds {other.thresholds})")
        for label in MANIFEST_LABELS:
            s = other.labels[label]
            lines.append(f"  {label:<13} P {s.precision:.2f}  R {s.recall:.2f}  F1 {s.f1:.2f}")
        lines.append(f"  phones: {_phones(other)}")
    return "\n".join(lines)


def models_markdown(ev: Evaluation) -> str:
    """The object models side by side: image-level P/R per label, phones, time per image."""
    results = [ev.objects, *ev.compared]
    header = ["", *(r.name for r in results)]
    rows = []
    for label in MANIFEST_LABELS:
        cells = [f"{r.labels[label].precision:.2f} / {r.labels[label].recall:.2f}" for r in results]
        rows.append([f"{label} P / R", *cells])
    rows.append(["phone box recall", *(_short_phones(r, recall=True) for r in results)])
    rows.append(["phone false alarms", *(_short_phones(r, recall=False) for r in results)])
    rows.append(["thresholds", *(_thresholds(r.thresholds) for r in results)])
    return markdown_table(header, rows, "l" + "r" * len(results))


def label_errors(result: ObjectResult) -> str:
    """Per label, the images one object model misses or wrongly flags."""
    parts = []
    for label, score in result.labels.items():
        if score.misses:
            parts.append(f"{label} missed in " + ", ".join(f"`{f}`" for f in score.misses))
        if score.false_positives:
            flagged = ", ".join(f"`{f}`" for f in score.false_positives)
            parts.append(f"{label} wrongly in {flagged}")
    return f"- {result.name}: " + ("; ".join(parts) or "no image wrong")


def _short_phones(result: ObjectResult, *, recall: bool) -> str:
    ph = result.phones
    if ph is None:
        return "n/a"
    if recall:
        return f"{ph.recall:.2f} ({ph.found}/{ph.total})"
    return f"{ph.false_alarm_rate:.2f} ({ph.false_alarms}/{ph.phone_free})"


def _thresholds(values: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:g}" for k, v in sorted(values.items()))


def markdown(ev: Evaluation, *, command: str, date: str, machine: str, models: str) -> str:
    """The generated part of docs/EVALUATION.md."""
    targets = [
        (name, f"{value:.2f}", f"≥ {low:.2f}", "yes" if value >= low else "**no**")
        for name, value, low in ev.targets()
    ]
    parts = [
        f"Generated by `{command}` on {date}.",
        f"Machine: {machine}.",
        f"Models and thresholds: {models}",
        f"### Against the targets ({len(ev.rows)} images)",
        markdown_table(["measure", "value", "target", "met"], targets, "lrrl"),
        "### Per label (image level)",
        markdown_table(["label", "P", "R", "F1", "tp", "fp", "fn"], label_rows(ev), "lrrrrrr"),
        f"Face count exact match {ev.faces.accuracy:.3f} ({ev.faces.correct}/{ev.faces.total}):",
        confusion_markdown(ev),
        "### Phones held at a webcam (box level)",
        f"{ev.objects.name}: {_phones(ev.objects)}.",
        "### Object models side by side",
        "Faces come from the same pipeline run in every column (they count into "
        "`extra_person`); only the object model differs.",
        models_markdown(ev),
        "\n".join(label_errors(r) for r in (ev.objects, *ev.compared)),
    ]
    if ev.videos:
        parts.append(
            f"### Videos ({VIDEO_FPS:g} frames a second, objects on every frame, looking away "
            "against the neutral calibrated on each clip's first seconds)"
        )
        rows = [(c.file, _clip_line(c), c.expected) for c in ev.videos]
        parts.append(markdown_table(["clip", "reported", "labelled"], rows, "lll"))
    wrong = wrong_images(ev)
    parts.append(f"### Images it gets wrong ({len(wrong)})")
    parts.append("\n".join(f"- `{n}`: " + "; ".join(p) for n, p in wrong.items()) or "None.")
    return "\n\n".join(parts) + "\n"
