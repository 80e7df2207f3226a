"""Silero VAD's convolutions as one matrix product over all the windows of a call.

The sequence export runs its 1-D convolutions (the STFT's, a kernel of 256 samples every 128,
and the four of the encoder, kernels of 3) on a batch of one row per 32 ms window; ONNX Runtime
computes such a batch as one small product per window (a few output columns each), 70% of the
model's time. Rewritten here as the same sums over the same weights: the columns of every
window are gathered (strided slices, or the STFT's blocks of 128 samples side by side) and go
through one ``MatMul``, then the bias. The weights, the LSTM and everything else are untouched;
the probabilities differ from the original graph's by float rounding (about 1e-6), and the
model takes a third of its CPU time (bench.audio_stages).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
from onnx import helper, numpy_helper

BIG = 2**62  # "to the end" in a Slice


def rewrite(model: onnx.ModelProto) -> onnx.ModelProto:
    """A copy of ``model`` whose ``Conv`` nodes (1-D, initializer weights) are ``MatMul``s."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    weights = {init.name: init for init in graph.initializer}
    lengths = _input_lengths(model, [n for n in graph.node if _convertible(n, weights)])
    nodes: list[onnx.NodeProto] = []
    for node in graph.node:
        if not _convertible(node, weights):
            nodes.append(node)
            continue
        nodes += _as_matmul(graph, node, numpy_helper.to_array(weights[node.input[1]]), lengths)
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(model)
    return model


def _convertible(node: onnx.NodeProto, weights: dict[str, Any]) -> bool:
    if node.op_type != "Conv" or node.input[1] not in weights:
        return False
    attrs = _attrs(node)
    return (
        len(weights[node.input[1]].dims) == 3
        and attrs.get("group", 1) == 1
        and list(attrs.get("dilations", [1])) == [1]
    )


def _attrs(node: onnx.NodeProto) -> dict[str, Any]:
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _input_lengths(model: onnx.ModelProto, convs: list[onnx.NodeProto]) -> dict[str, int]:
    """The time length of each convolution's input, from one run of the original graph on a
    window of silence (the export's input has a fixed width)."""
    import onnxruntime as ort

    probe = onnx.ModelProto.FromString(model.SerializeToString())
    names = [c.input[0] for c in convs]
    for name in names:
        probe.graph.output.append(helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    feeds: dict[str, np.ndarray] = {}
    for value in probe.graph.input:
        dims = [d.dim_value or 1 for d in value.type.tensor_type.shape.dim]
        feeds[value.name] = np.zeros(dims, dtype=np.float32)
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(probe.SerializeToString(), options, ["CPUExecutionProvider"])
    outs = session.run(names, feeds)
    return {name: int(out.shape[-1]) for name, out in zip(names, outs, strict=True)}


def _const(graph: onnx.GraphProto, name: str, *values: int) -> str:
    graph.initializer.append(numpy_helper.from_array(np.array(values, dtype=np.int64), name))
    return name


def _slice(
    graph: onnx.GraphProto, data: str, out: str, start: int, end: int, axis: int, step: int = 1
) -> onnx.NodeProto:
    """``data[start:end:step]`` along ``axis``."""
    bounds = [_const(graph, f"{out}_{key}", v) for key, v in (("s", start), ("e", end))]
    extra = [_const(graph, f"{out}_axis", axis), _const(graph, f"{out}_step", step)]
    return helper.make_node("Slice", [data, *bounds, *extra], [out])


def _as_matmul(
    graph: onnx.GraphProto, node: onnx.NodeProto, w: np.ndarray, lengths: dict[str, int]
) -> list[onnx.NodeProto]:
    """(n, c, t) → (n, o, frames) as columns (n, frames, k·c) @ weights (k·c, o) + bias."""
    attrs = _attrs(node)
    out_ch, in_ch, k = w.shape
    stride = int(next(iter(attrs.get("strides", [1]))))
    pads = list(attrs.get("pads", [0, 0]))
    p = "mm" + node.name.replace("/", "_")
    x, cols = node.input[0], f"{p}_cols"
    new: list[onnx.NodeProto] = []
    if in_ch == 1 and k == 2 * stride and pads == [0, 0]:
        # The STFT: frame f is blocks f and f + 1 of ``stride`` samples, side by side.
        frames = (lengths[x] - k) // stride + 1
        cut, blocks, first, second = (f"{p}_{s}" for s in ("cut", "blocks", "first", "second"))
        new += [
            _slice(graph, x, cut, 0, (frames + 1) * stride, axis=2),
            helper.make_node("Reshape", [cut, _const(graph, f"{p}_b", 0, -1, stride)], [blocks]),
            _slice(graph, blocks, first, 0, -1, axis=1),
            _slice(graph, blocks, second, 1, BIG, axis=1),
            helper.make_node("Concat", [first, second], [cols], axis=2),
        ]
        matrix = w[:, 0, :].T  # (k, o)
    else:
        padded, rows = f"{p}_padded", f"{p}_rows"
        if pads != [0, 0]:
            pad_widths = _const(graph, f"{p}_pads", 0, 0, pads[0], 0, 0, pads[1])
            new.append(helper.make_node("Pad", [x, pad_widths], [padded]))
        else:
            padded = x
        new.append(helper.make_node("Transpose", [padded], [rows], perm=[0, 2, 1]))  # (n, t, c)
        taps = []
        for tap in range(k):  # column ``tap`` of output frame j is input row stride·j + tap
            end = -(k - 1 - tap) if tap < k - 1 else BIG
            new.append(_slice(graph, rows, f"{p}_tap{tap}", tap, end, axis=1, step=stride))
            taps.append(f"{p}_tap{tap}")
        new.append(helper.make_node("Concat", taps, [cols], axis=2))  # tap-major columns
        matrix = w.transpose(2, 1, 0).reshape(k * in_ch, out_ch)
    weights = f"{p}_w"
    graph.initializer.append(
        numpy_helper.from_array(np.ascontiguousarray(matrix, dtype=np.float32), weights)
    )
    product = f"{p}_product"
    new.append(helper.make_node("MatMul", [cols, weights], [product]))
    if len(node.input) > 2 and node.input[2]:
        new.append(helper.make_node("Add", [product, node.input[2]], [f"{p}_biased"]))
        product = f"{p}_biased"
    new.append(helper.make_node("Transpose", [product], [node.output[0]], perm=[0, 2, 1]))
    return new
