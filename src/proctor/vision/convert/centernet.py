"""The CenterNet recipe: which npm files, which part of the graph, which rewrites.

Human's CenterNet (MobileNetV3 backbone, COCO-80) ends with its own decode (max-pool peak
picking, top-K, gather). Only the network up to the class heatmap (``tower_0/keypoints``, after
the sigmoid) and the box sizes (``tower_0/wh``, in input pixels) is converted; the decode runs in
numpy, which also lets the input size vary (any multiple of 32 on each side).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import onnx

from proctor.vision.convert.optimize import fuse_hard_activations, keep_output_channels
from proctor.vision.convert.tfjs import load_graph_model
from proctor.vision.convert.to_onnx import convert_graph

HUMAN_PACKAGE = "@vladmandic/human"
HUMAN_VERSION = "3.3.6"
# What `proctor models install` puts in its npm prefix: Human for the model files, and the tfjs
# packages its Node WASM build needs (used by the reference test that runs the original model).
NPM_PACKAGES: dict[str, str] = {
    HUMAN_PACKAGE: HUMAN_VERSION,
    "@tensorflow/tfjs-core": "4.22.0",
    "@tensorflow/tfjs-converter": "4.22.0",
    "@tensorflow/tfjs-backend-wasm": "4.22.0",
}
# The source files inside the package, pinned: the conversion is only as stable as its input.
SOURCE_FILES: dict[str, str] = {
    "models/centernet.json": "bfb942eaacc5becf738d536663bc4580a0ae9e560722306e6d4dd7fe4a09de05",
    "models/centernet.bin": "1b635a15009071f506f9f2b3519b31c072c534888989f30d269ffd44734ef7ef",
}
OUTPUTS = {"tower_0/keypoints": "heatmap", "tower_0/wh": "wh"}
STRIDE = 4  # heatmap cell size in input pixels
# COCO-80 indices the product model keeps: person, tv, laptop, cell phone, book
PRODUCT_CLASSES: tuple[int, ...] = (0, 62, 63, 67, 73)


def source_json(package_dir: Path) -> Path:
    return package_dir / "models" / "centernet.json"


def build_centernet(
    package_dir: Path, *, classes: Sequence[int] | None = PRODUCT_CLASSES, fuse: bool = True
) -> onnx.ModelProto:
    """Convert Human's CenterNet from ``package_dir`` (the npm package's directory).

    ``classes``: COCO-80 indices to keep in the heatmap (``None``: all 80, for comparing with the
    original). ``fuse``: rewrite hard-swish chains (near-exact; see ``optimize``). The model's
    metadata records the heatmap's classes and stride for the decoder.
    """
    graph = load_graph_model(source_json(package_dir))
    model = convert_graph(graph, OUTPUTS, name="centernet_mobilenetv3_coco")
    if fuse:
        fuse_hard_activations(model)
    kept = list(range(80)) if classes is None else list(classes)
    if classes is not None:
        keep_output_channels(model, "heatmap", kept)
    onnx.helper.set_model_props(
        model,
        {
            "proctor.family": "centernet",
            "proctor.classes": ",".join(str(c) for c in kept),
            "proctor.stride": str(STRIDE),
            "proctor.source": f"npm:{HUMAN_PACKAGE}@{HUMAN_VERSION}/models/centernet.json",
            "proctor.input": "NHWC float32 RGB 0-255, height and width multiples of 32",
        },
    )
    onnx.checker.check_model(model)
    return model


def serialize(model: onnx.ModelProto) -> bytes:
    """Deterministic bytes (the same input files give the same SHA-256)."""
    data: bytes = model.SerializeToString(deterministic=True)
    return data
