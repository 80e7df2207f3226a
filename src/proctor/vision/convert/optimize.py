"""Exact or near-exact rewrites of a converted ONNX graph that make it faster on a CPU.

- ``fuse_hard_activations``: MobileNetV3's hard-swish and hard-sigmoid arrive from TF as chains of
  Mul/Add/Clip with scalar constants; each elementwise op breaks onnxruntime's blocked (NCHWc)
  convolution chain with layout reorders. One ``HardSigmoid`` (and a ``Mul`` for hard-swish)
  replaces each chain. The only difference: TF's ``a * relu6(x + 3)`` saturates at ``6a``
  (0.99976 with the stored float16 ``a``), ``HardSigmoid`` at 1.
- ``keep_output_channels``: a detector head computes 80 COCO classes; keeping only the channels
  the product reports removes most of the largest convolution. Kept channels are bit-identical.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import onnx
from onnx import helper, numpy_helper


class _Graph:
    def __init__(self, model: onnx.ModelProto) -> None:
        self.model = model
        self.g = model.graph
        self.inits = {i.name: i for i in self.g.initializer}
        self.producer = {o: n for n in self.g.node for o in n.output}
        self.consumers: dict[str, list[onnx.NodeProto]] = defaultdict(list)
        for n in self.g.node:
            for i in n.input:
                self.consumers[i].append(n)

    def scalar(self, name: str) -> float | None:
        init = self.inits.get(name)
        if init is None:
            return None
        arr = numpy_helper.to_array(init)
        return float(arr.ravel()[0]) if arr.size == 1 else None

    def only_consumer(self, node: onnx.NodeProto) -> bool:
        return len(self.consumers[node.output[0]]) == 1

    def relu6_of_plus3(self, clip: onnx.NodeProto | None) -> str | None:
        """If ``clip`` is ``Clip(Add(x, 3), 0, 6)``, return ``x``."""
        if clip is None or clip.op_type != "Clip" or not self.only_consumer(clip):
            return None
        if [self.scalar(i) for i in clip.input[1:]] != [0.0, 6.0]:
            return None
        add = self.producer.get(clip.input[0])
        if add is None or add.op_type != "Add" or not self.only_consumer(add):
            return None
        if self.scalar(add.input[1]) != 3.0 or add.input[0] in self.inits:
            return None
        return str(add.input[0])


def _drop_unused_initializers(graph: onnx.GraphProto) -> None:
    used = {i for n in graph.node for i in n.input}
    keep = [i for i in graph.initializer if i.name in used]
    del graph.initializer[:]
    graph.initializer.extend(keep)


def fuse_hard_activations(model: onnx.ModelProto) -> int:
    """Rewrite hard-swish and hard-sigmoid chains in place; returns how many were fused."""
    gr = _Graph(model)
    replace: dict[int, list[onnx.NodeProto]] = {}
    drop: set[int] = set()
    for node in gr.g.node:
        if node.op_type != "Mul" or id(node) in drop:
            continue
        a, b = (gr.producer.get(i) for i in node.input)
        # hard-swish: Mul(Mul(a, x), Clip(Add(x, 3), 0, 6))
        for scaled, clip in ((a, b), (b, a)):
            if scaled is None or scaled.op_type != "Mul" or not gr.only_consumer(scaled):
                continue
            x = gr.relu6_of_plus3(clip)
            consts = [gr.scalar(i) for i in scaled.input]
            if x is None or x not in scaled.input or consts.count(None) != 1:
                continue
            alpha = next(c for c in consts if c is not None)
            assert clip is not None
            gate = node.output[0] + "/hard_sigmoid"
            replace[id(node)] = [
                helper.make_node(
                    "HardSigmoid", [x], [gate], name=gate, alpha=alpha, beta=3 * alpha
                ),
                helper.make_node("Mul", [x, gate], list(node.output), name=node.name),
            ]
            drop.update({id(scaled), id(clip), id(gr.producer[clip.input[0]])})
            break
        if id(node) in replace:
            continue
        # hard-sigmoid: Mul(a, Clip(Add(x, 3), 0, 6))
        consts = [gr.scalar(i) for i in node.input]
        if consts.count(None) != 1:
            continue
        alpha = next(c for c in consts if c is not None)
        clip = gr.producer.get(
            next(i for i, c in zip(node.input, consts, strict=True) if c is None)
        )
        x = gr.relu6_of_plus3(clip)
        if x is None or clip is None:
            continue
        replace[id(node)] = [
            helper.make_node(
                "HardSigmoid", [x], list(node.output), name=node.name, alpha=alpha, beta=3 * alpha
            )
        ]
        drop.update({id(clip), id(gr.producer[clip.input[0]])})
    nodes: list[onnx.NodeProto] = []
    for node in gr.g.node:
        if id(node) in replace:
            nodes.extend(replace[id(node)])
        elif id(node) not in drop:
            nodes.append(node)
    del gr.g.node[:]
    gr.g.node.extend(nodes)
    _drop_unused_initializers(gr.g)
    return len(replace)


def keep_output_channels(model: onnx.ModelProto, output: str, channels: list[int]) -> None:
    """Make graph output ``output`` (NCHW) hold only ``channels``, in that order.

    The output must come from a Conv through channel-wise ops only (Identity, Sigmoid, Relu):
    the Conv's weights and bias are sliced, so the kept channels are computed exactly as before.
    """
    gr = _Graph(model)
    name = output
    while True:
        node = gr.producer.get(name)
        if node is None:
            raise ValueError(f"{output!r}: no Conv found before the output")
        if node.op_type == "Conv":
            break
        if node.op_type not in ("Identity", "Sigmoid", "Relu"):
            raise ValueError(f"{output!r}: {node.op_type} between the Conv and the output")
        name = node.input[0]
    idx = np.asarray(channels, dtype=np.int64)
    for pos in (1, 2):
        if pos >= len(node.input):
            continue
        init = gr.inits[node.input[pos]]
        if len(gr.consumers[init.name]) != 1:
            raise ValueError(f"{init.name!r} is shared; cannot slice it")
        sliced = numpy_helper.to_array(init)[idx]
        init.CopyFrom(numpy_helper.from_array(np.ascontiguousarray(sliced), init.name))
    for info in gr.g.output:
        if info.name == output:
            info.type.tensor_type.shape.dim[1].dim_value = len(channels)


def fix_input_size(model: onnx.ModelProto, height: int, width: int) -> None:
    """Give the NHWC input fixed spatial dimensions (lets onnxruntime plan memory once)."""
    dims = model.graph.input[0].type.tensor_type.shape.dim
    dims[1].Clear()
    dims[1].dim_value = height
    dims[2].Clear()
    dims[2].dim_value = width
