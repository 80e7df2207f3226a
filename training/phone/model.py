"""YOLOX-Nano as a trainable torch module, and back to ONNX.

The starting weights are the released YOLOX-Nano (Apache-2.0) in ONNX form. Its graph ends with
sigmoids on objectness and class scores; training wants logits, so those sigmoids are cut out
before conversion and put back on export. The exported model has the same input and output as
the original, so the product's YOLOX plugin runs it unchanged.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import torch
from onnx import numpy_helper

SIZE = 416  # input side; use_size changes it for training, checks and export together
STRIDES = (8, 16, 32)
PHONE_CLASS = 67  # COCO "cell phone": the class row the detector is trained on


def use_size(size: int) -> None:
    """Train, check and export at ``size`` x ``size`` instead of 416: the samples, the anchor
    grids and the head's reshapes all follow it. The weights do not depend on it."""
    from training.phone import data

    if size % STRIDES[-1] or size < 2 * STRIDES[-1]:
        raise ValueError(f"input size must be a multiple of {STRIDES[-1]}, got {size}")
    global SIZE
    SIZE = data.SIZE = size


def load_weights(module: torch.nn.Module, state: dict[str, torch.Tensor]) -> None:
    """``state``'s weights into ``module``, keeping the module's own shape constants (the
    head's reshapes, which name the grid of the input size it was built for)."""
    own = module.state_dict()
    own.update({k: v for k, v in state.items() if k in own and v.dtype.is_floating_point})
    module.load_state_dict(own)


def _shim_torchvision() -> None:
    """onnx2torch imports torchvision for NMS and RoIAlign, which this graph does not use; the
    CPU torch build here has no matching torchvision, so a stand-in keeps the import working."""
    if "torchvision" in sys.modules:
        return
    try:
        import torchvision  # noqa: F401

        return
    except Exception:
        sys.modules.pop("torchvision", None)
    tv = types.ModuleType("torchvision")
    ops = types.ModuleType("torchvision.ops")

    def missing(*_: Any, **__: Any) -> Any:
        raise RuntimeError("torchvision is not installed")

    ops.nms = ops.box_convert = ops.roi_align = missing  # type: ignore[attr-defined]
    tv.ops = ops  # type: ignore[attr-defined]
    sys.modules["torchvision"] = tv
    sys.modules["torchvision.ops"] = ops


def logit_graph(path: Path) -> onnx.ModelProto:
    """The ONNX model with its head's output sigmoids removed and a free batch dimension."""
    model = onnx.load(str(path))
    graph = model.graph
    concat_inputs = {i for n in graph.node if n.op_type == "Concat" for i in n.input}
    head_sigmoids = [
        n
        for n in graph.node
        if n.op_type == "Sigmoid" and n.output[0] in concat_inputs and "Mul" not in n.name
    ]
    if len(head_sigmoids) != 6:
        raise ValueError(f"expected 6 head sigmoids in a YOLOX graph, found {len(head_sigmoids)}")
    for node in head_sigmoids:
        # Feed the sigmoid's input straight to its consumers.
        src, dst = node.input[0], node.output[0]
        for other in graph.node:
            for k, name in enumerate(other.input):
                if name == dst:
                    other.input[k] = src
        graph.node.remove(node)
    cells = [(SIZE // s) ** 2 for s in STRIDES]
    reshapes = [n for n in graph.node if n.op_type == "Reshape"]
    for node, count in zip(reshapes, cells, strict=True):
        for init in graph.initializer:
            if init.name == node.input[1]:
                shape = numpy_helper.to_array(init)
                init.CopyFrom(
                    numpy_helper.from_array(
                        np.array([-1, shape[1], count], dtype=np.int64), init.name
                    )
                )
    return model


def load_torch(path: Path) -> torch.nn.Module:
    """A trainable module from a YOLOX ONNX file: input [N, 3, SIZE, SIZE] BGR 0-255, output
    [N, cells, 85] raw (box offsets, objectness logit, class logits); 3,549 cells at 416."""
    _shim_torchvision()
    from onnx2torch import convert

    module: torch.nn.Module = convert(logit_graph(path))
    return module


def load_exported(base: Path, exported: Path) -> torch.nn.Module:
    """The module of ``base`` with the weights of a model ``export`` wrote (its initializers
    keep the module's parameter names under ``inner.``): to train on from a shipped model."""
    module = load_torch(base)
    arrays = {i.name: numpy_helper.to_array(i) for i in onnx.load(str(exported)).graph.initializer}
    state = module.state_dict()
    missing = []
    for name, value in state.items():
        array = arrays.get(f"inner.{name}")
        if array is not None and tuple(array.shape) == tuple(value.shape):
            state[name] = torch.from_numpy(array.copy())
        elif value.dtype.is_floating_point and value.numel() > 4:
            missing.append(name)
    if missing:
        raise ValueError(f"{exported}: no weights for {', '.join(missing[:5])}")
    module.load_state_dict(state)
    return module


class WithScores(torch.nn.Module):
    """Puts the sigmoids back so the exported model matches the original's output."""

    def __init__(self, inner: torch.nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        out = self.inner(images)
        return torch.cat([out[..., :4], torch.sigmoid(out[..., 4:])], dim=-1)


def export(module: torch.nn.Module, path: Path) -> None:
    """Write the trained module as ONNX (opset 11, batch of one, fixed SIZE x SIZE input)."""
    wrapped = WithScores(module).eval()
    dummy = torch.zeros(1, 3, SIZE, SIZE)
    torch.onnx.export(
        wrapped,
        (dummy,),
        str(path),
        input_names=["images"],
        output_names=["output"],
        opset_version=11,
        dynamo=False,
    )
