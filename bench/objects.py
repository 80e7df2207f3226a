"""Object detector speed: the CenterNet variants tried, side by side, and YOLOX-Nano.

Every variant runs the full ``detect()`` call (resize, model, decode, NMS) on real evaluation
images scaled to 640x480, round-robin (one call of each variant in turn), so a busy machine
slows all of them alike and the ratios stay meaningful. Prints medians and p95 in ms at 1 and
2 intra-op threads, the bare model invocation, and each variant's ratio to the plain fp32 model
at 512x512 (what Human runs).

    python -m bench.objects [--runs 100] [--threads 1 2] [--int8]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from tests.conftest import read_bgr

from proctor.config import Settings
from proctor.evaluation.machine import describe
from proctor.vision.convert.centernet import build_centernet, serialize
from proctor.vision.detectors.base import ObjectDetector
from proctor.vision.detectors.centernet import CenterNetDetector
from proctor.vision.detectors.common import COCO_PRODUCT_LABELS
from proctor.vision.detectors.yolox import YoloxDetector
from proctor.vision.models import human_package_dir, object_model_path

EVALSET = Path(__file__).resolve().parents[1].parent / "shared" / "evalset"
YOLOX = EVALSET.parent / "models" / "yolox_nano.onnx"


class StretchCenterNet(CenterNetDetector):
    """Human's way: the whole frame stretched to a 512x512 square."""

    def prepare(
        self, image_bgr: np.ndarray, long_side: int | None = None
    ) -> tuple[np.ndarray, float]:
        resized = cv2.resize(image_bgr, (512, 512), interpolation=cv2.INTER_LINEAR)
        return resized[np.newaxis, :, :, ::-1].astype(np.float32), 1.0


def frames(count: int = 12) -> list[np.ndarray]:
    names = sorted((EVALSET / "images").glob("*.jpg"))[:count]
    return [cv2.resize(read_bgr(p), (640, 480), interpolation=cv2.INTER_AREA) for p in names]


def quantize_int8(src: Path, dst: Path, images: list[np.ndarray]) -> None:
    """Static int8 (QDQ, per-channel weights) calibrated on ``images``, for comparison only."""
    from onnxruntime.quantization import (
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quantize_static,
    )

    prep = CenterNetDetector(src)

    class Reader(CalibrationDataReader):  # type: ignore[misc]
        def __init__(self) -> None:
            self.items = iter(images)

        def get_next(self) -> dict[str, np.ndarray] | None:
            image = next(self.items, None)
            return None if image is None else {prep.input_name: prep.prepare(image)[0]}

    quantize_static(
        str(src),
        str(dst),
        Reader(),
        quant_format=QuantFormat.QDQ,
        per_channel=True,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
    )


def build_variants(
    tmp: Path, threads: int, int8: bool, images: list[np.ndarray]
) -> dict[str, ObjectDetector]:
    settings = Settings()
    package = human_package_dir(settings.models_dir)
    exact = tmp / "exact.onnx"
    exact.write_bytes(serialize(build_centernet(package, classes=None, fuse=False)))
    fused80 = tmp / "fused80.onnx"
    fused80.write_bytes(serialize(build_centernet(package, classes=None, fuse=True)))
    product = object_model_path("centernet", settings.models_dir, verify=True)
    variants: dict[str, ObjectDetector] = {
        "fp32 exact, 512x512 stretched": StretchCenterNet(exact, threads=threads),
        "fp32 exact, 512x384 (aspect kept)": CenterNetDetector(exact, threads=threads),
        "+ hard-swish fused": CenterNetDetector(fused80, threads=threads),
        "+ 5 classes (product), 512x384": CenterNetDetector(product, threads=threads),
        "product + second look": CenterNetDetector(product, threads=threads, second_look=True),
        "product, 448x352": CenterNetDetector(product, threads=threads, long_side=448),
        "product, 416x320": CenterNetDetector(product, threads=threads, long_side=416),
        "product, 384x288": CenterNetDetector(product, threads=threads, long_side=384),
    }
    if int8:
        q = tmp / "int8.onnx"
        quantize_int8(product, q, images)
        variants["product int8 QDQ, 512x384"] = CenterNetDetector(q, threads=threads)
    if YOLOX.is_file():
        variants["YOLOX-Nano 416x416"] = YoloxDetector(
            YOLOX, labels=COCO_PRODUCT_LABELS, threads=threads
        )
    return variants


def measure(
    variants: dict[str, ObjectDetector], images: list[np.ndarray], runs: int
) -> dict[str, tuple[list[float], list[float]]]:
    import time

    times: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in variants}
    for det in variants.values():  # warm-up: first calls allocate
        for image in images[:3]:
            det.detect(image)
    for i in range(runs):
        image = images[i % len(images)]
        for name, det in variants.items():
            start = time.perf_counter()
            det.detect(image)
            times[name][0].append((time.perf_counter() - start) * 1000)
            times[name][1].append(det.invoke_ms())
    return times


def p95(values: list[float]) -> float:
    return float(np.percentile(values, 95))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--int8", action="store_true", help="also quantize to int8 and time it")
    args = parser.parse_args(argv)
    images = frames()
    med: Callable[[list[float]], float] = statistics.median
    with tempfile.TemporaryDirectory() as tmp:
        for threads in args.threads:
            variants = build_variants(Path(tmp), threads, args.int8, images)
            times = measure(variants, images, args.runs)
            base = med(times["fp32 exact, 512x512 stretched"][0])
            print(f"\n{threads} thread(s), {args.runs} runs each, 640x480 frames, ms")
            print(f"machine: {describe()}")
            print("| variant | full call median | p95 | model only | vs fp32 512x512 |")
            print("|---|---:|---:|---:|---:|")
            for name, (full, model) in times.items():
                print(
                    f"| {name} | {med(full):.1f} | {p95(full):.1f} | {med(model):.1f} "
                    f"| {med(full) / base:.2f} |"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
