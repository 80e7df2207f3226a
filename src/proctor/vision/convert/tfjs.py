"""Reading a TensorFlow.js graph model: its JSON topology and its (possibly quantized) weights."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

# Dtypes of stored weights, and of the quantized forms tfjs-converter writes.
_PLAIN_DTYPES: dict[str, type[np.generic]] = {
    "float32": np.float32,
    "int32": np.int32,
    "bool": np.bool_,
}
_QUANT_DTYPES: dict[str, type[np.generic]] = {
    "float16": np.float16,
    "uint8": np.uint8,
    "uint16": np.uint16,
}


class TfjsFormatError(ValueError):
    """The model files are not a graph model this reader understands."""


@dataclass(frozen=True)
class TfjsNode:
    name: str
    op: str
    inputs: tuple[str, ...]
    attr: dict[str, Any]

    def attr_str(self, key: str, default: str = "") -> str:
        raw = self.attr.get(key, {}).get("s")
        return base64.b64decode(raw).decode() if raw is not None else default

    def attr_ints(self, key: str) -> list[int]:
        return [int(v) for v in self.attr.get(key, {}).get("list", {}).get("i", [])]

    def attr_strs(self, key: str) -> list[str]:
        values = self.attr.get(key, {}).get("list", {}).get("s", [])
        return [base64.b64decode(v).decode() for v in values]

    def attr_bool(self, key: str, default: bool = False) -> bool:
        return bool(self.attr.get(key, {}).get("b", default))


@dataclass
class TfjsGraph:
    """Nodes in file order, weights by name, and the signature's input and output shapes."""

    nodes: dict[str, TfjsNode]
    weights: dict[str, np.ndarray]
    inputs: dict[str, list[int]] = field(default_factory=dict)
    outputs: dict[str, list[int]] = field(default_factory=dict)


def _dequantize(
    buf: bytes, offset: int, spec: dict[str, Any], count: int
) -> tuple[np.ndarray, int]:
    quant = spec.get("quantization")
    if quant is None:
        dtype = _PLAIN_DTYPES.get(spec["dtype"])
        if dtype is None:
            raise TfjsFormatError(f"weight {spec['name']!r}: unsupported dtype {spec['dtype']!r}")
        arr = np.frombuffer(buf, dtype=dtype, count=count, offset=offset)
        return arr.copy(), offset + arr.nbytes
    qtype = _QUANT_DTYPES.get(quant["dtype"])
    if qtype is None:
        raise TfjsFormatError(f"weight {spec['name']!r}: unsupported quantization {quant!r}")
    raw = np.frombuffer(buf, dtype=qtype, count=count, offset=offset)
    end = offset + raw.nbytes
    if quant["dtype"] == "float16":
        return raw.astype(np.float32), end
    # Affine quantization: value = q * scale + min, computed as tfjs does (in float32).
    values = raw.astype(np.float32) * np.float32(quant["scale"]) + np.float32(quant["min"])
    if spec["dtype"] == "int32":
        values = np.round(values).astype(np.int32)
    return values, end


def _shape(dims: dict[str, Any]) -> list[int]:
    return [int(d.get("size", -1)) for d in dims.get("dim", [])]


def load_graph_model(model_json: Path) -> TfjsGraph:
    """Parse ``model.json`` and the weight files beside it into a :class:`TfjsGraph`."""
    meta = json.loads(model_json.read_text())
    if meta.get("format") != "graph-model":
        raise TfjsFormatError(f"{model_json}: not a tfjs graph model (format={meta.get('format')})")
    weights: dict[str, np.ndarray] = {}
    for group in meta["weightsManifest"]:
        buf = b"".join((model_json.parent / p).read_bytes() for p in group["paths"])
        offset = 0
        for spec in group["weights"]:
            shape = [int(s) for s in spec["shape"]]
            count = int(np.prod(shape)) if shape else 1
            values, offset = _dequantize(buf, offset, spec, count)
            weights[spec["name"]] = values.reshape(shape)
        if offset != len(buf):
            raise TfjsFormatError(f"{model_json}: weights use {offset} of {len(buf)} bytes")
    nodes: dict[str, TfjsNode] = {}
    for raw in meta["modelTopology"]["node"]:
        inputs = tuple(i for i in raw.get("input", []) if not i.startswith("^"))
        nodes[raw["name"]] = TfjsNode(raw["name"], raw["op"], inputs, raw.get("attr", {}))
    signature = meta.get("signature", {})
    return TfjsGraph(
        nodes=nodes,
        weights=weights,
        inputs={k: _shape(v["tensorShape"]) for k, v in signature.get("inputs", {}).items()},
        outputs={k: _shape(v["tensorShape"]) for k, v in signature.get("outputs", {}).items()},
    )
