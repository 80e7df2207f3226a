"""Convert a TensorFlow.js graph model (NHWC, fused TF ops) into an ONNX graph (NCHW).

Only what an inference graph of MobileNet-style detectors needs is supported; anything else
raises :class:`UnsupportedOpError` naming the op. The layout changes once, at the input: every
4-D activation inside the ONNX graph is NCHW, and constants are rearranged to match. Outputs are
NCHW too (the caller decodes them), so no transposes remain inside the network.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from proctor.vision.convert.tfjs import TfjsGraph, TfjsNode

OPSET = 17
IR_VERSION = 8  # readable by every onnxruntime this project supports
_NHWC_TO_NCHW_AXIS = {0: 0, 1: 2, 2: 3, 3: 1, -1: 1, -2: 3, -3: 2, -4: 0}


class UnsupportedOpError(ValueError):
    """The graph holds an op (or an op setting) the converter does not handle."""


@dataclass
class _Value:
    """One converted tensor: its ONNX name and its NHWC shape at the model's native size."""

    name: str
    shape: list[int]


def _same_pads(size: int, kernel: int, stride: int, dilation: int) -> tuple[int, int]:
    # TF's SAME: output = ceil(in / stride), extra padding goes after (bottom/right).
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


class _Converter:
    def __init__(self, graph: TfjsGraph, input_hw: tuple[int, int] | None) -> None:
        self.graph = graph
        self.input_hw = input_hw
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[TensorProto] = []
        self.values: dict[str, _Value] = {}
        self.graph_inputs: list[onnx.ValueInfoProto] = []
        self._init_names: set[str] = set()

    # ---- helpers -------------------------------------------------------------------------
    def const(self, name: str) -> np.ndarray:
        base = name.split(":")[0]
        if base in self.graph.weights:
            return self.graph.weights[base]
        if self.is_const(base):
            raise UnsupportedOpError(f"constant {name!r} has no stored value")
        raise UnsupportedOpError(
            f"{name!r} must be a constant here (computed inputs are not supported)"
        )

    def is_const(self, name: str) -> bool:
        node = self.graph.nodes.get(name.split(":")[0])
        return node is not None and node.op == "Const"

    def add_init(self, name: str, array: np.ndarray) -> str:
        if name not in self._init_names:
            self._init_names.add(name)
            self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def emit(self, op: str, inputs: list[str], output: str, **attrs: Any) -> str:
        self.nodes.append(helper.make_node(op, inputs, [output], name=output, **attrs))
        return output

    def value(self, name: str) -> _Value:
        key = name.removesuffix(":0")
        if ":" in key:
            raise UnsupportedOpError(f"{name!r}: only single-output ops are supported")
        if key not in self.values:
            self.convert(self.graph.nodes[key])
        return self.values[key]

    # ---- graph walk ----------------------------------------------------------------------
    def convert(self, node: TfjsNode) -> None:
        handler = getattr(self, f"op_{node.op}", None)
        if handler is None:
            raise UnsupportedOpError(f"op {node.op!r} (node {node.name!r}) is not supported")
        handler(node)

    def op_Placeholder(self, node: TfjsNode) -> None:
        shape = self.graph.inputs.get(node.name) or [
            int(d.get("size", -1)) for d in node.attr["shape"]["shape"]["dim"]
        ]
        self.graph_inputs.append(
            helper.make_tensor_value_info(node.name, TensorProto.FLOAT, self.input_dims(shape))
        )
        out = self.emit("Transpose", [node.name], node.name + "/nchw", perm=[0, 3, 1, 2])
        self.values[node.name] = _Value(out, list(shape))

    def input_dims(self, shape: list[int]) -> list[int | str]:
        if self.input_hw is None:
            return [1, "height", "width", shape[3]]
        return [1, self.input_hw[0], self.input_hw[1], shape[3]]

    def _conv(self, node: TfjsNode, *, depthwise: bool, fused: bool) -> None:
        x = self.value(node.inputs[0])
        filt = self.const(node.inputs[1]).astype(np.float32)
        if node.attr_str("data_format", "NHWC") != "NHWC":
            raise UnsupportedOpError(f"{node.name}: only NHWC convolutions are supported")
        kh, kw, cin, cmul = filt.shape
        strides = node.attr_ints("strides")[1:3] or [1, 1]
        dilations = node.attr_ints("dilations")[1:3] or [1, 1]
        if depthwise:
            # [kh, kw, in, multiplier] -> [in * multiplier, 1, kh, kw], one group per channel
            weight = filt.reshape(kh, kw, cin * cmul).transpose(2, 0, 1)[:, None]
            group, cout = cin, cin * cmul
        else:
            weight = filt.transpose(3, 2, 0, 1)
            group, cout = 1, cmul
        padding = node.attr_str("padding")
        h, w = x.shape[1], x.shape[2]
        if padding == "SAME":
            top, bottom = _same_pads(h, kh, strides[0], dilations[0])
            left, right = _same_pads(w, kw, strides[1], dilations[1])
            pads = [top, left, bottom, right]
            oh, ow = math.ceil(h / strides[0]), math.ceil(w / strides[1])
        elif padding == "VALID":
            pads = [0, 0, 0, 0]
            oh = math.ceil((h - (kh - 1) * dilations[0]) / strides[0])
            ow = math.ceil((w - (kw - 1) * dilations[1]) / strides[1])
        else:
            raise UnsupportedOpError(f"{node.name}: padding {padding!r} is not supported")
        inputs = [x.name, self.add_init(node.inputs[1] + "/oihw", weight)]
        activation = None
        if fused:
            ops = node.attr_strs("fused_ops")
            if not ops or ops[0] != "BiasAdd" or len(ops) > 2:
                raise UnsupportedOpError(f"{node.name}: fused ops {ops} are not supported")
            inputs.append(
                self.add_init(node.inputs[2], self.const(node.inputs[2]).astype(np.float32))
            )
            activation = ops[1] if len(ops) == 2 else None
        conv_out = node.name if activation is None else node.name + "/conv"
        self.emit(
            "Conv",
            inputs,
            conv_out,
            kernel_shape=[kh, kw],
            strides=strides,
            dilations=dilations,
            pads=pads,
            group=group,
        )
        if activation is not None:
            self._activation(activation, conv_out, node.name)
        self.values[node.name] = _Value(node.name, [x.shape[0], oh, ow, cout])

    def _activation(self, kind: str, src: str, out: str) -> None:
        if kind == "Relu":
            self.emit("Relu", [src], out)
        elif kind == "Relu6":
            self.emit("Clip", [src, self._scalar(0.0), self._scalar(6.0)], out)
        elif kind == "Sigmoid":
            self.emit("Sigmoid", [src], out)
        else:
            raise UnsupportedOpError(f"fused activation {kind!r} is not supported")

    def _scalar(self, v: float) -> str:
        return self.add_init(f"scalar/{v}", np.array(v, dtype=np.float32))

    def op__FusedConv2D(self, node: TfjsNode) -> None:
        self._conv(node, depthwise=False, fused=True)

    def op_FusedDepthwiseConv2dNative(self, node: TfjsNode) -> None:
        self._conv(node, depthwise=True, fused=True)

    def op_Conv2D(self, node: TfjsNode) -> None:
        self._conv(node, depthwise=False, fused=False)

    def op_DepthwiseConv2dNative(self, node: TfjsNode) -> None:
        self._conv(node, depthwise=True, fused=False)

    def _operand(self, name: str) -> _Value:
        if not self.is_const(name):
            return self.value(name)
        arr = self.const(name).astype(np.float32)
        if arr.ndim == 1:  # per-channel along NHWC's last axis -> [C, 1, 1] for NCHW
            arr = arr.reshape(-1, 1, 1)
        elif arr.ndim == 4:
            arr = arr.transpose(0, 3, 1, 2)
        elif arr.ndim not in (0,):
            raise UnsupportedOpError(f"constant {name!r} of rank {arr.ndim} in an elementwise op")
        shape = list(self.const(name).shape)
        return _Value(self.add_init(name, arr), shape)

    def _binary(self, node: TfjsNode, op: str) -> None:
        a, b = (self._operand(i) for i in node.inputs[:2])
        self.emit(op, [a.name, b.name], node.name)
        self.values[node.name] = _Value(node.name, list(np.broadcast_shapes(a.shape, b.shape)))

    def op_Mul(self, node: TfjsNode) -> None:
        self._binary(node, "Mul")

    def op_Add(self, node: TfjsNode) -> None:
        self._binary(node, "Add")

    def op_AddV2(self, node: TfjsNode) -> None:
        self._binary(node, "Add")

    def op_Sub(self, node: TfjsNode) -> None:
        self._binary(node, "Sub")

    def op_Maximum(self, node: TfjsNode) -> None:
        self._binary(node, "Max")

    def op_Minimum(self, node: TfjsNode) -> None:
        self._binary(node, "Min")

    def _unary(self, node: TfjsNode, kind: str) -> None:
        x = self.value(node.inputs[0])
        if kind == "Identity":
            self.emit("Identity", [x.name], node.name)
        else:
            self._activation(kind, x.name, node.name)
        self.values[node.name] = _Value(node.name, x.shape)

    def op_Relu(self, node: TfjsNode) -> None:
        self._unary(node, "Relu")

    def op_Relu6(self, node: TfjsNode) -> None:
        self._unary(node, "Relu6")

    def op_Sigmoid(self, node: TfjsNode) -> None:
        self._unary(node, "Sigmoid")

    def op_Identity(self, node: TfjsNode) -> None:
        self._unary(node, "Identity")

    def op_Mean(self, node: TfjsNode) -> None:
        x = self.value(node.inputs[0])
        axes = sorted(_NHWC_TO_NCHW_AXIS[int(a)] for a in self.const(node.inputs[1]).ravel())
        if not node.attr_bool("keep_dims"):
            raise UnsupportedOpError(f"{node.name}: Mean without keep_dims changes the layout")
        if axes == [2, 3]:
            self.emit("GlobalAveragePool", [x.name], node.name)  # same result, a faster kernel
        else:
            self.emit("ReduceMean", [x.name], node.name, axes=axes, keepdims=1)
        shape = [1 if _NHWC_TO_NCHW_AXIS[i] in axes else d for i, d in enumerate(x.shape)]
        self.values[node.name] = _Value(node.name, shape)

    def op_MaxPool(self, node: TfjsNode) -> None:
        # Human's antispoof and liveness models (proctor.identity.spoof) pool this way.
        x = self.value(node.inputs[0])
        kh, kw = node.attr_ints("ksize")[1:3]
        sh, sw = node.attr_ints("strides")[1:3] or [1, 1]
        h, w = x.shape[1], x.shape[2]
        padding = node.attr_str("padding")
        if padding == "SAME":
            (top, bottom), (left, right) = _same_pads(h, kh, sh, 1), _same_pads(w, kw, sw, 1)
            pads, oh, ow = [top, left, bottom, right], math.ceil(h / sh), math.ceil(w / sw)
        elif padding == "VALID":
            pads, oh, ow = [0, 0, 0, 0], math.ceil((h - kh + 1) / sh), math.ceil((w - kw + 1) / sw)
        else:
            raise UnsupportedOpError(f"{node.name}: padding {padding!r} is not supported")
        attrs: dict[str, Any] = {"kernel_shape": [kh, kw], "strides": [sh, sw], "pads": pads}
        self.emit("MaxPool", [x.name], node.name, **attrs)
        self.values[node.name] = _Value(node.name, [x.shape[0], oh, ow, x.shape[3]])

    def op_ConcatV2(self, node: TfjsNode) -> None:
        parts = [self.value(i) for i in node.inputs[:-1]]
        axis = int(self.const(node.inputs[-1]))
        if axis < 0:
            axis += 4
        self.emit("Concat", [p.name for p in parts], node.name, axis=_NHWC_TO_NCHW_AXIS[axis])
        shape = list(parts[0].shape)
        shape[axis] = sum(p.shape[axis] for p in parts)
        self.values[node.name] = _Value(node.name, shape)

    def op_ResizeBilinear(self, node: TfjsNode) -> None:
        x = self.value(node.inputs[0])
        size = [int(v) for v in self.const(node.inputs[1]).ravel()]
        align = node.attr_bool("align_corners")
        half = node.attr_bool("half_pixel_centers")
        if align and half:
            raise UnsupportedOpError(f"{node.name}: align_corners with half_pixel_centers")
        mode = "align_corners" if align else ("half_pixel" if half else "asymmetric")
        # The graph stores absolute sizes for its native input; keep the ratio instead, so the
        # converted model follows whatever input size it is given.
        scales = np.array([1.0, 1.0, size[0] / x.shape[1], size[1] / x.shape[2]], np.float32)
        roi = self.add_init("resize/empty_roi", np.zeros(0, np.float32))
        self.emit(
            "Resize",
            [x.name, roi, self.add_init(node.name + "/scales", scales)],
            node.name,
            mode="linear",
            coordinate_transformation_mode=mode,
        )
        self.values[node.name] = _Value(node.name, [x.shape[0], size[0], size[1], x.shape[3]])


def convert_graph(
    graph: TfjsGraph,
    outputs: dict[str, str],
    *,
    input_hw: tuple[int, int] | None = None,
    name: str = "converted",
) -> onnx.ModelProto:
    """Build an ONNX model computing ``outputs`` (TF tensor name -> ONNX output name).

    ``input_hw`` fixes the input height and width; ``None`` leaves them symbolic. Either way
    the input is NHWC float32 as in the original, and the outputs are NCHW. SAME padding is
    computed for the signature's input size, so other sizes must keep its parity at every
    stride-2 layer (for a 32x downsampling network: multiples of 32); resize ratios follow the
    input.
    """
    conv = _Converter(graph, input_hw)
    out_infos = []
    for tf_name, onnx_name in outputs.items():
        val = conv.value(tf_name)
        if onnx_name in conv.values or onnx_name in conv.graph.nodes:
            raise ValueError(f"output name {onnx_name!r} is also a tensor of the graph")
        conv.emit("Identity", [val.name], onnx_name)
        dims: list[int | str | None] = [val.shape[0], val.shape[3], None, None]
        out_infos.append(helper.make_tensor_value_info(onnx_name, TensorProto.FLOAT, dims))
    onnx_graph = helper.make_graph(conv.nodes, name, conv.graph_inputs, out_infos, conv.inits)
    model = helper.make_model(
        onnx_graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="proctor-tfjs2onnx",
        producer_version="1",
    )
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    return model
