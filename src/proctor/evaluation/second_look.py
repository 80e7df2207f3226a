"""A second look at phones: the phone model's boxes checked by a second opinion, measured.

``python -m proctor.evaluation.second_look EVALSET`` runs, once each at a low threshold, the
shipped phone model, CenterNet (the default object model, which runs on every object frame
anyway) and the phone model again on the mirrored frame (a second run: its CPU again). It then
scores two ways of combining each second opinion with the phone model, over a grid of
thresholds, on the frames and false-alarm inputs of ``evaluation.phones``:

- **confirmed**: a phone-model box at ``high`` or above stands; one from ``low`` up stands when
  a box of the other opinion, at ``other`` or above, overlaps it (IoU ≥ 0.3);
- **united**: the phone model's boxes at ``high`` and the other opinion's at ``other``.

``--sizes 512 640`` also runs the phone model alone at those input sizes (the same weights:
YOLOX is convolutional, only its output reshapes name the grid of its input size;
``at_input_size``).

For each, the setting with the highest recall whose false alarms, on stills and on clip frames
alike, stay at or under 5%, beside the phone model alone (docs/EVALUATION.md, "A second look").
The best, unsure boxes confirmed by the mirrored pass, is what the product runs
(``vision.detectors.phone.MirrorConfirmed``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import product
from pathlib import Path

import numpy as np

from proctor.evaluation.phones import FLOOR, Point, Runs, Scored, collect, point
from proctor.vision.detectors.phone import confirmed_by, mirrored
from proctor.vision.types import Box, Detection

Detect = Callable[[np.ndarray], list[Detection]]
LEVEL = 0.05  # false alarms allowed, on stills and on clip frames alike
HIGHS = (0.5, 0.55, 0.6)
LOWS = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45)
OTHERS = (0.1, 0.2, 0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7)


def confirmed(own: Scored, other: Scored, high: float, low: float, least: float) -> Scored:
    """The phone model's boxes at ``high``, and those from ``low`` that ``other`` confirms."""
    unsure = [b for b, s in own if low <= s < high]
    kept = confirmed_by(unsure, [b for b, s in other if s >= least])
    sure = [(b, 1.0) for b, s in own if s >= high]
    return sure + [(b, 1.0) for b, keep in zip(unsure, kept, strict=True) if keep]


def united(own: Scored, other: Scored, high: float, least: float) -> Scored:
    """The phone model's boxes at ``high`` and ``other``'s at ``least``."""
    return [(b, 1.0) for b, s in own if s >= high] + [(b, 1.0) for b, s in other if s >= least]


def combined(own: Runs, other: Runs, rule: Callable[[Scored, Scored], Scored]) -> Runs:
    """``rule`` applied input by input; its boxes score 1."""
    out = Runs(f"{own.name} with {other.name}", 1.0)
    out.frames = {f: rule(own.frames[f], other.frames[f]) for f in own.frames}
    out.stills = {f: rule(own.stills[f], other.stills[f]) for f in own.stills}
    out.clip_frames = [rule(a, b) for a, b in zip(own.clip_frames, other.clip_frames, strict=True)]
    return out


@dataclass(frozen=True, slots=True)
class Option:
    name: str
    setting: str
    point: Point
    extra_ms: float  # CPU per object run beyond the phone model alone


def best(options: Sequence[Option]) -> Option | None:
    within = [o for o in options if o.point.alarms <= LEVEL]
    return max(within, key=lambda o: o.point.recall, default=None)


def options(
    own: Runs, other: Runs, truth: dict[str, tuple[Box, ...]], extra_ms: float
) -> list[Option]:
    found: list[Option] = []
    for high, low, least in product(HIGHS, LOWS, OTHERS):
        runs = combined(own, other, partial(confirmed, high=high, low=low, least=least))
        setting = f"phone ≥ {high:g}, or ≥ {low:g} with {other.name} ≥ {least:g}"
        found.append(Option("confirmed", setting, point(runs, truth, 1.0), extra_ms))
    for high, least in product(HIGHS, OTHERS):
        runs = combined(own, other, partial(united, high=high, least=least))
        setting = f"phone ≥ {high:g}, {other.name} ≥ {least:g}"
        found.append(Option("united", setting, point(runs, truth, 1.0), extra_ms))
    return found


def at_input_size(model: Path, size: int, out: Path) -> Path:
    """A copy of a YOLOX ONNX model taking ``size`` x ``size`` input, written to ``out``."""
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(model))
    for init in graph.graph.initializer:
        shape = numpy_helper.to_array(init)
        if shape.ndim == 1 and shape.size == 3 and shape[0] == -1:  # the head's [-1, 85, cells]
            fixed = np.array([1, shape[1], -1], dtype=shape.dtype)
            init.CopyFrom(numpy_helper.from_array(fixed, init.name))
    dims = graph.graph.input[0].type.tensor_type.shape.dim
    dims[2].dim_value = dims[3].dim_value = size
    for output in graph.graph.output:
        for dim in output.type.tensor_type.shape.dim:
            dim.Clear()
    del graph.graph.value_info[:]
    onnx.save(graph, str(out))
    return out


def timed(detect: Detect) -> tuple[Detect, list[float]]:
    spent: list[float] = []

    def run(image: np.ndarray) -> list[Detection]:
        start = time.process_time()
        out = detect(image)
        spent.append(time.process_time() - start)
        return out

    return run, spent


def main(argv: Sequence[str] | None = None) -> int:
    from proctor.config import Settings
    from proctor.evaluation.objects import read_phone_boxes
    from proctor.vision.detectors.base import create
    from proctor.vision.detectors.phone import PHONE, phone_detector
    from proctor.vision.models import bundled_model_path

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("evalset", type=Path)
    parser.add_argument("--sizes", type=int, nargs="*", default=[], help="other input sizes")
    args = parser.parse_args(argv)

    settings = Settings()
    phone = phone_detector(settings)
    default = phone.thresholds["cell_phone"]
    phone.thresholds = {"cell_phone": FLOOR}
    centernet = create(settings.model_copy(update={"phone_model": "none"}))
    centernet.thresholds = {k: FLOOR for k in centernet.thresholds}  # type: ignore[attr-defined]
    own_detect, own_ms = timed(phone.detect)
    mirror_detect, mirror_ms = timed(mirrored(phone.detect))
    own = collect("phone model", own_detect, default, args.evalset)
    cn = collect("CenterNet", centernet.detect, 0.2, args.evalset)
    mirror = collect("its mirror pass", mirror_detect, default, args.evalset)
    truth = {r.file: r.boxes for r in read_phone_boxes(args.evalset / "phones" / "phones.csv")}

    alone = [
        Option("alone", f"phone ≥ {t:g}", point(own, truth, t), 0.0)
        for t in (0.4, 0.45, 0.5, 0.55, 0.6)
    ]
    rows = [(f"the phone model alone ({phone.height})", best(alone))]
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            path = at_input_size(bundled_model_path("phone"), size, Path(tmp) / f"{size}.onnx")
            sized = phone_detector(settings, path)
            sized.thresholds = {PHONE: FLOOR}
            detect, spent = timed(sized.detect)
            runs = collect(f"{size}", detect, default, args.evalset)
            extra = 1000 * (float(np.median(spent)) - float(np.median(own_ms)))
            found = [
                Option("alone", f"phone ≥ {t:g}", point(runs, truth, t), extra)
                for t in (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)
            ]
            at_default = next(o for o in found if o.point.threshold == default)
            rows.append((f"the phone model alone at {size}x{size}", best(found) or at_default))
    for name, other, extra in (
        ("CenterNet (runs anyway)", cn, 0.0),
        ("a mirrored pass", mirror, 1000 * float(np.median(mirror_ms))),
    ):
        found = options(own, other, truth, extra)
        for kind, label in (("confirmed", "unsure boxes confirmed by"), ("united", "adding")):
            rows.append((f"{label} {name}", best([o for o in found if o.name == kind])))
    print(
        f"Box recall at ≤ {LEVEL:.0%} false alarms (stills and clip frames alike), best setting "
        f"(where none stays within, the default {default:g}):\n"
    )
    print("| phones from | recall | false alarms, stills / clips | setting | extra CPU a run |")
    print("|---|---:|---|---|---:|")
    for label, option in rows:
        if option is None:
            print(f"| {label} | - | - | none within {LEVEL:.0%} | |")
            continue
        p = option.point
        print(
            f"| {label} | {p.recall:.3f} | {p.still_alarms:.3f} / {p.clip_alarms:.3f} | "
            f"{option.setting} | {option.extra_ms:.1f} ms |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
