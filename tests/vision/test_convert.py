"""The tfjs reader and the tfjs -> ONNX converter on small graph models written in the real format.

Each graph is checked against a plain numpy implementation of TF's semantics (NHWC convolution
with SAME/VALID padding, ResizeBilinear's coordinate modes), so a wrong layout, padding or
resize mode shows as a numeric mismatch.
"""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import pytest

from proctor.vision.convert.optimize import fuse_hard_activations, keep_output_channels
from proctor.vision.convert.tfjs import TfjsFormatError, load_graph_model
from proctor.vision.convert.to_onnx import UnsupportedOpError, convert_graph

RNG = np.random.default_rng(7)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _conv_attr(strides: int, padding: str, fused: list[str] | None) -> dict[str, Any]:
    attr: dict[str, Any] = {
        "strides": {"list": {"i": ["1", str(strides), str(strides), "1"]}},
        "padding": {"s": _b64(padding)},
        "data_format": {"s": _b64("NHWC")},
        "dilations": {"list": {"i": ["1", "1", "1", "1"]}},
    }
    if fused is not None:
        attr["fused_ops"] = {"list": {"s": [_b64(op) for op in fused]}}
        attr["num_args"] = {"i": "1"}
    return attr


def write_graph_model(
    directory: Path,
    nodes: list[dict[str, Any]],
    weights: dict[str, np.ndarray],
    input_shape: list[int],
    quantize: dict[str, str] | None = None,
) -> Path:
    """A tfjs graph model (model.json + weights.bin); ``quantize`` maps weight -> uint8/float16."""
    quantize = quantize or {}
    specs, blobs = [], []
    for name, value in weights.items():
        spec: dict[str, Any] = {
            "name": name,
            "shape": list(value.shape),
            "dtype": "int32" if value.dtype == np.int32 else "float32",
        }
        q = quantize.get(name)
        if q == "float16":
            blobs.append(value.astype(np.float16).tobytes())
            spec["quantization"] = {"dtype": "float16", "original_dtype": "float32"}
        elif q == "uint8":
            lo, hi = float(value.min()), float(value.max())
            scale = (hi - lo) / 255
            blobs.append(np.round((value - lo) / scale).astype(np.uint8).tobytes())
            spec["quantization"] = {"dtype": "uint8", "scale": scale, "min": lo}
        else:
            blobs.append(value.tobytes())
        specs.append(spec)
    consts = [{"name": n, "op": "Const", "attr": {}} for n in weights]
    placeholder = {
        "name": "input",
        "op": "Placeholder",
        "attr": {"shape": {"shape": {"dim": [{"size": str(d)} for d in input_shape]}}},
    }
    meta = {
        "format": "graph-model",
        "modelTopology": {"node": [placeholder, *consts, *nodes]},
        "weightsManifest": [{"paths": ["weights.bin"], "weights": specs}],
        "signature": {
            "inputs": {"input": {"tensorShape": {"dim": [{"size": str(d)} for d in input_shape]}}}
        },
    }
    (directory / "weights.bin").write_bytes(b"".join(blobs))
    path = directory / "model.json"
    path.write_text(json.dumps(meta))
    return path


def tf_conv_nhwc(x: np.ndarray, w: np.ndarray, stride: int, padding: str) -> np.ndarray:
    """Reference 2-D convolution with TF's padding rules (x: HWC, w: kh, kw, in, out)."""
    h, wd, _ = x.shape
    kh, kw = w.shape[:2]
    if padding == "SAME":
        oh, ow = math.ceil(h / stride), math.ceil(wd / stride)
        ph = max((oh - 1) * stride + kh - h, 0)
        pw = max((ow - 1) * stride + kw - wd, 0)
        x = np.pad(x, ((ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    else:
        oh, ow = (h - kh) // stride + 1, (wd - kw) // stride + 1
    out = np.zeros((oh, ow, w.shape[3]))
    for i in range(oh):
        for j in range(ow):
            patch = x[i * stride : i * stride + kh, j * stride : j * stride + kw]
            out[i, j] = np.einsum("hwc,hwco->o", patch, w)
    return out


def tf_resize(x: np.ndarray, size: tuple[int, int], align: bool, half: bool) -> np.ndarray:
    """Reference TF ResizeBilinear on HWC."""
    h, w = x.shape[:2]

    def coords(n_out: int, n_in: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        i = np.arange(n_out, dtype=np.float64)
        if align and n_out > 1:
            src = i * (n_in - 1) / (n_out - 1)
        elif half:
            src = np.maximum((i + 0.5) * n_in / n_out - 0.5, 0)
        else:
            src = i * n_in / n_out
        lo = np.minimum(np.floor(src).astype(int), n_in - 1)
        return lo, np.minimum(lo + 1, n_in - 1), src - lo

    y0, y1, fy = coords(size[0], h)
    x0, x1, fx = coords(size[1], w)
    fy, fx = fy[:, None, None], fx[None, :, None]
    top = x[y0][:, x0] * (1 - fx) + x[y0][:, x1] * fx
    bottom = x[y1][:, x0] * (1 - fx) + x[y1][:, x1] * fx
    resized: np.ndarray = top * (1 - fy) + bottom * fy
    return resized


def run_onnx(model_json: Path, output: str, x: np.ndarray) -> np.ndarray:
    model = convert_graph(load_graph_model(model_json), {output: "result"})
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    result: np.ndarray = session.run(None, {"input": x[np.newaxis].astype(np.float32)})[0][0]
    return result.transpose(1, 2, 0)  # back to HWC


@pytest.mark.parametrize(
    ("size", "stride", "padding"), [(9, 2, "SAME"), (8, 2, "SAME"), (9, 1, "VALID")]
)
def test_fused_conv_matches_tf_semantics(
    tmp_path: Path, size: int, stride: int, padding: str
) -> None:
    w = RNG.normal(size=(3, 3, 4, 6)).astype(np.float32)
    b = RNG.normal(size=6).astype(np.float32)
    node = {
        "name": "conv",
        "op": "_FusedConv2D",
        "input": ["input", "w", "b"],
        "attr": _conv_attr(stride, padding, ["BiasAdd", "Relu6"]),
    }
    path = write_graph_model(tmp_path, [node], {"w": w, "b": b}, [1, size, size, 4])
    x = RNG.normal(scale=3, size=(size, size, 4)).astype(np.float32)
    expected = np.clip(tf_conv_nhwc(x, w, stride, padding) + b, 0, 6)
    np.testing.assert_allclose(run_onnx(path, "conv", x), expected, atol=1e-4)


def test_depthwise_conv_with_multiplier(tmp_path: Path) -> None:
    w = RNG.normal(size=(3, 3, 3, 2)).astype(np.float32)  # 3 channels x multiplier 2
    node = {
        "name": "dw",
        "op": "DepthwiseConv2dNative",
        "input": ["input", "w"],
        "attr": _conv_attr(2, "SAME", None),
    }
    path = write_graph_model(tmp_path, [node], {"w": w}, [1, 8, 8, 3])
    x = RNG.normal(size=(8, 8, 3)).astype(np.float32)
    # TF orders the output channels as in_channel * multiplier + m
    expected = np.concatenate(
        [tf_conv_nhwc(x[:, :, c : c + 1], w[:, :, c : c + 1, :], 2, "SAME") for c in range(3)],
        axis=2,
    )
    np.testing.assert_allclose(run_onnx(path, "dw", x), expected, atol=1e-4)


@pytest.mark.parametrize(("align", "half"), [(False, False), (True, False), (False, True)])
def test_resize_bilinear_modes(tmp_path: Path, align: bool, half: bool) -> None:
    node = {
        "name": "up",
        "op": "ResizeBilinear",
        "input": ["input", "size"],
        "attr": {"align_corners": {"b": align}, "half_pixel_centers": {"b": half}},
    }
    size = np.array([10, 12], np.int32)
    path = write_graph_model(tmp_path, [node], {"size": size}, [1, 5, 6, 2])
    x = RNG.normal(size=(5, 6, 2)).astype(np.float32)
    np.testing.assert_allclose(
        run_onnx(path, "up", x), tf_resize(x, (10, 12), align, half), atol=1e-5
    )


def test_elementwise_constants_follow_the_layout(tmp_path: Path) -> None:
    scale = RNG.normal(size=3).astype(np.float32)  # per channel, NHWC's last axis
    nodes = [
        {"name": "mul", "op": "Mul", "input": ["input", "scale"], "attr": {}},
        {
            "name": "mean",
            "op": "Mean",
            "input": ["mul", "axes"],
            "attr": {"keep_dims": {"b": True}},
        },
        {"name": "gate", "op": "Sigmoid", "input": ["mean"], "attr": {}},
        {"name": "out", "op": "Mul", "input": ["mul", "gate"], "attr": {}},
    ]
    consts = {"scale": scale, "axes": np.array([1, 2], np.int32)}
    path = write_graph_model(tmp_path, nodes, consts, [1, 4, 5, 3])
    x = RNG.normal(size=(4, 5, 3)).astype(np.float32)
    scaled = x * scale
    expected = scaled / (1 + np.exp(-scaled.mean(axis=(0, 1))))
    np.testing.assert_allclose(run_onnx(path, "out", x), expected, atol=1e-5)


def test_quantized_weights_are_dequantized(tmp_path: Path) -> None:
    w = RNG.normal(size=(1, 1, 2, 3)).astype(np.float32)
    b = RNG.normal(size=3).astype(np.float32)
    node = {
        "name": "conv",
        "op": "_FusedConv2D",
        "input": ["input", "w", "b"],
        "attr": _conv_attr(1, "SAME", ["BiasAdd"]),
    }
    path = write_graph_model(
        tmp_path, [node], {"w": w, "b": b}, [1, 2, 2, 2], quantize={"w": "uint8", "b": "float16"}
    )
    graph = load_graph_model(path)
    step = (w.max() - w.min()) / 255
    assert np.abs(graph.weights["w"] - w).max() <= step / 2 + 1e-6
    np.testing.assert_allclose(graph.weights["b"], b.astype(np.float16).astype(np.float32))


def test_unsupported_op_is_named(tmp_path: Path) -> None:
    node = {"name": "soft", "op": "Softmax", "input": ["input"], "attr": {}}
    path = write_graph_model(tmp_path, [node], {}, [1, 2, 2, 3])
    with pytest.raises(UnsupportedOpError, match="Softmax"):
        convert_graph(load_graph_model(path), {"soft": "out"})


def test_not_a_graph_model(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    path.write_text(json.dumps({"format": "layers-model"}))
    with pytest.raises(TfjsFormatError, match="not a tfjs graph model"):
        load_graph_model(path)


def _hard_swish_graph(tmp_path: Path) -> Path:
    """conv -> hard-swish (as TF writes it) -> conv with 5 output channels."""
    w1 = RNG.normal(size=(1, 1, 3, 4)).astype(np.float32)
    w2 = RNG.normal(size=(1, 1, 4, 5)).astype(np.float32)
    b2 = RNG.normal(size=5).astype(np.float32)
    nodes = [
        {
            "name": "c1",
            "op": "Conv2D",
            "input": ["input", "w1"],
            "attr": _conv_attr(1, "SAME", None),
        },
        {"name": "hs/mul", "op": "Mul", "input": ["sixth", "c1"], "attr": {}},
        {"name": "hs/add", "op": "Add", "input": ["c1", "three"], "attr": {}},
        {"name": "hs/relu6", "op": "Relu6", "input": ["hs/add"], "attr": {}},
        {"name": "hs/out", "op": "Mul", "input": ["hs/mul", "hs/relu6"], "attr": {}},
        {
            "name": "c2",
            "op": "_FusedConv2D",
            "input": ["hs/out", "w2", "b2"],
            "attr": _conv_attr(1, "SAME", ["BiasAdd"]),
        },
        {"name": "prob", "op": "Sigmoid", "input": ["c2"], "attr": {}},
    ]
    consts = {
        "w1": w1,
        "w2": w2,
        "b2": b2,
        "sixth": np.array(1 / 6, np.float32),
        "three": np.array(3.0, np.float32),
    }
    return write_graph_model(tmp_path, nodes, consts, [1, 6, 6, 3], quantize={"sixth": "float16"})


def _run_model(model: Any, x: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    out: np.ndarray = session.run(None, {"input": x[np.newaxis]})[0][0]
    return out


def test_hard_swish_fusion_is_near_exact(tmp_path: Path) -> None:
    graph = load_graph_model(_hard_swish_graph(tmp_path))
    x = RNG.normal(scale=4, size=(6, 6, 3)).astype(np.float32)
    plain = convert_graph(graph, {"prob": "p"})
    fused = convert_graph(graph, {"prob": "p"})
    assert fuse_hard_activations(fused) == 1
    ops = [n.op_type for n in fused.graph.node]
    assert "HardSigmoid" in ops and "Clip" not in ops and "Add" not in ops
    # only saturated values differ, by the float16 rounding of 1/6 (relative 2.4e-4)
    np.testing.assert_allclose(_run_model(fused, x), _run_model(plain, x), atol=2e-3)


def test_keep_output_channels_is_exact(tmp_path: Path) -> None:
    graph = load_graph_model(_hard_swish_graph(tmp_path))
    x = RNG.normal(size=(6, 6, 3)).astype(np.float32)
    full = convert_graph(graph, {"prob": "p"})
    pruned = convert_graph(graph, {"prob": "p"})
    keep_output_channels(pruned, "p", [4, 1])
    np.testing.assert_array_equal(_run_model(pruned, x), _run_model(full, x)[[4, 1]])
