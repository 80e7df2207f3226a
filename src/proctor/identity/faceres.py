"""Human's ``faceres`` (npm ``@vladmandic/human``): a MobileNet whose pooled 1024-D features are
Human's face descriptor, converted from TF.js to ONNX by the project's converter.

Compared with dlib's descriptor in docs/EVALUATION.md ("Identity"); not the product's model.
The network is converted up to its last convolution (``conv_pw_13_relu``); the global average
pool runs in numpy. The input follows Human: the face box enlarged 1.4 times, squared, rotated so
the eyes are level, resized to 224x224, RGB in 0..255.
"""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort

from proctor.identity.embedders import normalised
from proctor.identity.faces import BLAZEFACE_BOX_SCALE, Face
from proctor.vision.detectors.base import ModelMissingError
from proctor.vision.models import INSTALL_HINT, human_package_dir, sha256_of

SOURCE_FILES: dict[str, str] = {
    "models/faceres.json": "5b83d49c0385d2e68a05122441b94226313677cae9fcc40b9587ad50079eb4df",
    "models/faceres.bin": "2c7d2d62b76c97528b736527aa09d310ea71743c9e3e79fb6c62d4b2d73af79b",
}
FEATURES = "conv_pw_13_relu/clip_by_value"
INPUT = 224
ENLARGE = 1.4 / BLAZEFACE_BOX_SCALE  # Human's 1.4, on BlazeFace's own box


def build_faceres(package_dir: Path) -> bytes:
    """The ONNX model (serialised) from the npm package's pinned files."""
    from proctor.vision.convert.tfjs import load_graph_model
    from proctor.vision.convert.to_onnx import convert_graph

    for rel, digest in SOURCE_FILES.items():
        src = package_dir / rel
        if not src.is_file() or sha256_of(src) != digest:
            raise ModelMissingError(f"{src} is missing or not the pinned file; {INSTALL_HINT}")
    graph = load_graph_model(package_dir / "models" / "faceres.json")
    graph.inputs = {name: [1, *shape[1:]] for name, shape in graph.inputs.items()}
    model = convert_graph(graph, {FEATURES: "features"}, input_hw=(INPUT, INPUT), name="faceres")
    return bytes(model.SerializeToString())


def aligned_crop(image_bgr: np.ndarray, face: Face, size: int) -> np.ndarray:
    """Human's face crop: a ``size`` x ``size`` square of ``ENLARGE`` times the face, turned so
    the eyes are level; RGB float32 in 0..255."""
    x1, y1, x2, y2 = face.box
    centre = ((x1 + x2) / 2, (y1 + y2) / 2)
    angle = 0.0
    if face.eyes is not None:
        (lx, ly), (rx, ry) = face.eyes
        angle = math.degrees(math.atan2(ry - ly, rx - lx))
    matrix = cv2.getRotationMatrix2D(centre, angle, size / (ENLARGE * face.size))
    matrix[:, 2] += np.array([size / 2 - centre[0], size / 2 - centre[1]])
    crop = cv2.warpAffine(image_bgr, matrix, (size, size), flags=cv2.INTER_LINEAR)
    return crop[:, :, ::-1].astype(np.float32)


def face_input(image_bgr: np.ndarray, face: Face) -> np.ndarray:
    """The network's input (1, 224, 224, 3) float32 for one face."""
    return aligned_crop(image_bgr, face, INPUT)[None]


class FaceresEmbedder:
    name = "faceres"

    def __init__(self, models_dir: Path | None = None) -> None:
        if models_dir is None:
            from proctor.config import get_settings

            models_dir = get_settings().models_dir
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        self.session = ort.InferenceSession(
            build_faceres(human_package_dir(models_dir)), options, ["CPUExecutionProvider"]
        )
        self.input_name = self.session.get_inputs()[0].name

    def embed(self, image_bgr: np.ndarray, face: Face) -> np.ndarray:
        (features,) = self.session.run(None, {self.input_name: face_input(image_bgr, face)})
        return normalised(np.asarray(features).mean(axis=(2, 3)))
