"""Presentation-attack models from Human (npm ``@vladmandic/human``): ``antispoof`` (is this a
real face or a printed or displayed one; 1 = real) and ``liveness`` (1 = live), converted from
TF.js by the project's converter like ``faceres``.

Each network's convolution trunk is converted to ONNX; its small dense head (flatten, dense
layers, batch norm, sigmoid or softmax) runs in numpy with the same weights, since the converter
handles convolution graphs only. The input follows Human: the face box enlarged 1.4 times,
squared, rotated so the eyes are level, resized to 192x192 (Human's face crop), then to the
model's input, RGB in 0..1.

How far the scores can be trusted is measured in docs/EVALUATION.md ("Spoofing"): they are shown
to the interviewer as advice only and never refuse an enrolment.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort

from proctor.identity.faceres import aligned_crop
from proctor.identity.faces import Face
from proctor.vision.detectors.base import ModelMissingError
from proctor.vision.models import INSTALL_HINT, human_package_dir, sha256_of

CROP = 192  # Human's face crop, which its models then resize to their own input


@dataclass(frozen=True)
class SpoofSpec:
    name: str
    files: dict[str, str]  # path in the package -> SHA-256
    trunk: str  # the last tensor converted to ONNX (before the flatten)
    size: int  # the model's input side


SPECS: tuple[SpoofSpec, ...] = (
    SpoofSpec(
        "antispoof",
        {
            "models/antispoof.json": (
                "7fd698ae1cebabbcad79d3b8b448587b0365eb7911987418231bdcf36583112a"
            ),
            "models/antispoof.bin": (
                "4490fecb2becdb6869edc7e60f5e59962be013a8def8719b1373afb0f905c094"
            ),
        },
        "StatefulPartitionedCall/sequential/activation_2/Relu",
        128,
    ),
    SpoofSpec(
        "liveness",
        {
            "models/liveness.json": (
                "9e51c8acf83b80abbf329b2735309ab5c90611c66905ade8b1bd130d473df9c8"
            ),
            "models/liveness.bin": (
                "fc6a6b6b3b9721bdb8bff67a457a15b7cbfd81715cfb27f3e65b757e81dd663e"
            ),
        },
        "StatefulPartitionedCall/sequential_1/max_pooling2d_2/MaxPool",
        32,
    ),
)


def face_crop(image_bgr: np.ndarray, face: Face) -> np.ndarray:
    """Human's face crop: CROP x CROP, RGB float32 in 0..1."""
    return aligned_crop(image_bgr, face, CROP) / 255.0


class _Head:
    """The graph's nodes after the trunk, run in numpy (dense, batch norm, activations)."""

    def __init__(self, graph: object, trunk: str) -> None:
        from proctor.vision.convert.tfjs import TfjsGraph

        assert isinstance(graph, TfjsGraph)
        self.graph = graph
        self.order = self._after(trunk)

    def _after(self, trunk: str) -> list[str]:
        g = self.graph
        order, frontier = [], {trunk}
        for name, node in g.nodes.items():  # topologically ordered as stored
            if any(i.split(":")[0] in frontier for i in node.inputs) and node.op != "Const":
                order.append(name)
                frontier.add(name)
        return order

    def __call__(self, features_nhwc: np.ndarray, trunk: str) -> np.ndarray:
        g = self.graph
        values: dict[str, np.ndarray] = {trunk: features_nhwc}

        def get(ref: str) -> np.ndarray:
            base = ref.split(":")[0]
            return values[base] if base in values else np.asarray(g.weights[base], np.float32)

        for name in self.order:
            node = g.nodes[name]
            a = get(node.inputs[0])
            out: np.ndarray
            if node.op == "Reshape":
                out = a.reshape(a.shape[0], -1)
            elif node.op == "_FusedMatMul":
                out = a @ get(node.inputs[1]) + get(node.inputs[2])
                if "Relu" in node.attr_strs("fused_ops"):
                    out = np.maximum(out, 0)
            elif node.op == "Mul":
                out = a * get(node.inputs[1])
            elif node.op in ("Add", "AddV2"):
                out = a + get(node.inputs[1])
            elif node.op == "Relu":
                out = np.maximum(a, 0)
            elif node.op == "Sigmoid":
                out = 1 / (1 + np.exp(-a))
            elif node.op == "Softmax":
                e = np.exp(a - a.max(axis=-1, keepdims=True))
                out = e / e.sum(axis=-1, keepdims=True)
            elif node.op == "Identity":
                out = a
            else:
                raise ValueError(f"{node.op} is not handled in the head of {g}")
            values[name] = out
        return values[self.order[-1]]


class SpoofModel:
    """One converted model: ``score(crop)`` is the probability Human reports (real / live)."""

    def __init__(self, spec: SpoofSpec, package_dir: Path) -> None:
        from proctor.vision.convert.tfjs import load_graph_model
        from proctor.vision.convert.to_onnx import convert_graph

        for rel, digest in spec.files.items():
            src = package_dir / rel
            if not src.is_file() or sha256_of(src) != digest:
                raise ModelMissingError(f"{src} is missing or not the pinned file; {INSTALL_HINT}")
        self.spec = spec
        graph = load_graph_model(package_dir / next(iter(spec.files)))
        graph.inputs = {name: [1, *shape[1:]] for name, shape in graph.inputs.items()}
        hw = (spec.size, spec.size)
        model = convert_graph(graph, {spec.trunk: "features"}, input_hw=hw, name=spec.name)
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        self.session = ort.InferenceSession(
            model.SerializeToString(), options, ["CPUExecutionProvider"]
        )
        self.input_name = self.session.get_inputs()[0].name
        self.head = _Head(graph, spec.trunk)

    def score(self, crop: np.ndarray) -> float:
        size = self.spec.size
        x = cv2.resize(crop, (size, size), interpolation=cv2.INTER_LINEAR)[None]
        (features,) = self.session.run(None, {self.input_name: x})
        nhwc = np.transpose(np.asarray(features), (0, 2, 3, 1))  # flatten in TF's order
        return float(self.head(nhwc, self.spec.trunk).ravel()[0])


class SpoofModels:
    """Both models; ``scores`` gives {"antispoof": p_real, "liveness": p_live} for a face."""

    def __init__(self, models: list[SpoofModel]) -> None:
        self.models = models

    @classmethod
    def load(cls, models_dir: Path | None = None) -> SpoofModels:
        if models_dir is None:
            from proctor.config import get_settings

            models_dir = get_settings().models_dir
        package = human_package_dir(models_dir)
        return cls([SpoofModel(spec, package) for spec in SPECS])

    def scores(self, image_bgr: np.ndarray, face: Face) -> dict[str, float]:
        crop = face_crop(image_bgr, face)
        return {m.spec.name: round(m.score(crop), 4) for m in self.models}
