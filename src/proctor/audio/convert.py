"""Converting Resemblyzer's GE2E speaker encoder to ONNX, without torch.

PyPI ``resemblyzer`` 0.1.4 ships ``pretrained.pt``: a 3-layer LSTM (40 mel bands in, 256 hidden)
and a linear layer to a 256-d embedding, saved by torch's legacy (non-zip) serializer. That
format is a few pickles followed by the raw storages, so a small restricted unpickler reads it
with numpy alone: it accepts only an OrderedDict, float storages and ``_rebuild_tensor_v2``.
The weights then go into ONNX ``LSTM`` nodes (gate order reordered from torch's i, f, g, o to
ONNX's i, o, f, c), and the serialization is deterministic, so the file has a pinned SHA-256.
"""

from __future__ import annotations

import collections
import pickle
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
N_MELS, HIDDEN, LAYERS, EMBEDDING = 40, 256, 3, 256
_DTYPES: dict[str, type[np.generic]] = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "LongStorage": np.int64,
}


class ConvertError(ValueError):
    """The checkpoint is not the expected legacy torch file."""


class _Storage:
    def __init__(self, dtype: type[np.generic], numel: int) -> None:
        self.dtype, self.numel = np.dtype(dtype), numel
        self.data: np.ndarray | None = None


@dataclass(frozen=True)
class _Tensor:
    storage: _Storage
    offset: int
    size: tuple[int, ...]
    stride: tuple[int, ...]

    def array(self) -> np.ndarray:
        if self.storage.data is None:
            raise ConvertError("a tensor's storage was never read")
        item = self.storage.dtype.itemsize
        view = np.lib.stride_tricks.as_strided(
            self.storage.data[self.offset :],
            shape=self.size,
            strides=tuple(s * item for s in self.stride),
        )
        return np.array(view)


def _rebuild_tensor(storage: _Storage, offset: int, size: Any, stride: Any, *_: Any) -> _Tensor:
    return _Tensor(storage, int(offset), tuple(size), tuple(stride))


class _Unpickler(pickle.Unpickler):
    def __init__(self, f: IO[bytes], storages: dict[str, _Storage]) -> None:
        super().__init__(f)
        self.storages = storages

    def find_class(self, module: str, name: str) -> Any:
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return _rebuild_tensor
        if module == "torch" and name in _DTYPES:
            return name
        raise ConvertError(f"unexpected object in the checkpoint: {module}.{name}")

    def persistent_load(self, pid: Any) -> _Storage:
        kind, storage_type, key, _location, numel, _view = pid
        if kind != "storage" or storage_type not in _DTYPES:
            raise ConvertError(f"unexpected storage in the checkpoint: {pid!r}")
        if key not in self.storages:
            self.storages[key] = _Storage(_DTYPES[storage_type], int(numel))
        return self.storages[key]


def read_legacy_state(path: Path) -> dict[str, np.ndarray]:
    """The ``model_state`` tensors of a legacy torch checkpoint, as numpy arrays."""
    storages: dict[str, _Storage] = {}
    with path.open("rb") as f:
        # Every pickle goes through the restricted unpickler: it builds no other object.
        if _Unpickler(f, storages).load() != LEGACY_MAGIC:
            raise ConvertError(f"{path}: not a legacy torch checkpoint")
        _Unpickler(f, storages).load()  # protocol version
        _Unpickler(f, storages).load()  # sys info
        obj = _Unpickler(f, storages).load()
        keys = _Unpickler(f, storages).load()
        for key in keys:
            storage = storages[key]
            (numel,) = struct.unpack("<q", f.read(8))
            raw = f.read(numel * storage.dtype.itemsize)
            if numel != storage.numel or len(raw) != numel * storage.dtype.itemsize:
                raise ConvertError(f"{path}: storage {key} is truncated")
            storage.data = np.frombuffer(raw, dtype=storage.dtype)
    if not isinstance(obj, dict) or "model_state" not in obj:
        raise ConvertError(f"{path}: no model_state in the checkpoint")
    return {k: v.array() for k, v in obj["model_state"].items() if isinstance(v, _Tensor)}


def _onnx_gates(w: np.ndarray) -> np.ndarray:
    """torch's LSTM gate blocks (i, f, g, o) in ONNX's order (i, o, f, c)."""
    i, f, g, o = np.split(w, 4, axis=0)
    return np.concatenate([i, o, f, g], axis=0)


def build_encoder(state: dict[str, np.ndarray]) -> onnx.ModelProto:
    """The encoder as ONNX: ``mels`` (batch, frames, 40) → ``embedding`` (batch, 256), L2-normed."""
    inits: list[TensorProto] = []
    nodes: list[onnx.NodeProto] = [
        helper.make_node("Transpose", ["mels"], ["x0"], perm=[1, 0, 2])  # (frames, batch, 40)
    ]
    for layer in range(LAYERS):
        w = _onnx_gates(state[f"lstm.weight_ih_l{layer}"])[None]
        r = _onnx_gates(state[f"lstm.weight_hh_l{layer}"])[None]
        bias = np.concatenate(
            [
                _onnx_gates(state[f"lstm.bias_ih_l{layer}"]),
                _onnx_gates(state[f"lstm.bias_hh_l{layer}"]),
            ]
        )[None]
        for name, arr in (("W", w), ("R", r), ("B", bias)):
            inits.append(numpy_helper.from_array(arr.astype(np.float32), f"{name}{layer}"))
        outputs = [f"y{layer}", f"h{layer}"]
        nodes.append(
            helper.make_node(
                "LSTM",
                [f"x{layer}", f"W{layer}", f"R{layer}", f"B{layer}"],
                outputs,
                hidden_size=HIDDEN,
            )
        )
        # Y is (frames, 1 direction, batch, hidden): drop the direction axis for the next layer.
        nodes.append(helper.make_node("Squeeze", [f"y{layer}", "axis1"], [f"x{layer + 1}"]))
    inits.append(numpy_helper.from_array(np.array([1], dtype=np.int64), "axis1"))
    inits.append(numpy_helper.from_array(np.array([0], dtype=np.int64), "axis0"))
    inits.append(numpy_helper.from_array(state["linear.weight"].T.astype(np.float32), "Wl"))
    inits.append(numpy_helper.from_array(state["linear.bias"].astype(np.float32), "bl"))
    last = f"h{LAYERS - 1}"
    nodes += [
        helper.make_node("Squeeze", [last, "axis0"], ["hidden"]),  # (batch, hidden)
        helper.make_node("MatMul", ["hidden", "Wl"], ["lin"]),
        helper.make_node("Add", ["lin", "bl"], ["lin_b"]),
        helper.make_node("Relu", ["lin_b"], ["raw"]),
        helper.make_node("LpNormalization", ["raw"], ["embedding"], axis=1, p=2),
    ]
    graph = helper.make_graph(
        nodes,
        "resemblyzer_ge2e",
        [helper.make_tensor_value_info("mels", TensorProto.FLOAT, ["batch", "frames", N_MELS])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", EMBEDDING])],
        inits,
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="proctor"
    )
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def convert(checkpoint: Path) -> bytes:
    """Deterministic ONNX bytes of the encoder in ``checkpoint``."""
    data: bytes = build_encoder(read_legacy_state(checkpoint)).SerializeToString(deterministic=True)
    return data
