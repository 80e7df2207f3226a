"""A thin LiteRT interpreter wrapper that times the bare model invocation.

The pipeline reports the sum of bare ``invoke()`` times so a benchmark can tell model time from
the pipeline's own pre- and post-processing.
"""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np
from ai_edge_litert.interpreter import Interpreter


class LiteModel:
    """One loaded ``.tflite`` model with a single float32 image input; outputs in the model's
    order."""

    def __init__(self, path: Path, *, num_threads: int = 1) -> None:
        self.path = path
        self._interpreter = Interpreter(model_path=str(path), num_threads=num_threads)
        self._interpreter.allocate_tensors()
        inp = self._interpreter.get_input_details()[0]
        self._input_index: int = int(inp["index"])
        shape = [int(v) for v in inp["shape"]]
        self.input_height, self.input_width = shape[1], shape[2]
        self._output_indices = [int(d["index"]) for d in self._interpreter.get_output_details()]
        self.last_invoke_ms = 0.0

    def run_image(self, image_bgr: np.ndarray, scale: float, offset: float) -> list[np.ndarray]:
        """Run on an ``(H, W, 3)`` uint8 BGR image fed as ``RGB * scale + offset``.

        The values are written straight into the interpreter's input tensor: no float copy of
        the image and no ``set_tensor`` copy of that.
        """
        rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
        view = self._interpreter.tensor(self._input_index)()
        np.multiply(rgb, np.float32(scale), out=view[0], dtype=np.float32)
        if offset:
            view += np.float32(offset)
        del view  # the interpreter refuses to run while a view of its buffers is alive
        start = time.perf_counter()
        self._interpreter.invoke()
        self.last_invoke_ms = (time.perf_counter() - start) * 1000.0
        return [self._interpreter.get_tensor(i) for i in self._output_indices]
