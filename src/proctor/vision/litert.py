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

    def __init__(self, path: Path, *, num_threads: int = 1, batch: int = 1) -> None:
        self.path = path
        self._interpreter = Interpreter(model_path=str(path), num_threads=num_threads)
        inp = self._interpreter.get_input_details()[0]
        self._input_index: int = int(inp["index"])
        if batch != 1:
            shape = [batch, *(int(v) for v in inp["shape"][1:])]
            self._interpreter.resize_tensor_input(self._input_index, shape)
        self._interpreter.allocate_tensors()
        inp = self._interpreter.get_input_details()[0]
        shape = [int(v) for v in inp["shape"]]
        self.input_height, self.input_width = shape[1], shape[2]
        self._output_indices = [int(d["index"]) for d in self._interpreter.get_output_details()]
        # The functions that make views of the tensors may be kept (the views may not).
        self._input_view = self._interpreter.tensor(self._input_index)
        self._output_views = [self._interpreter.tensor(i) for i in self._output_indices]
        self._tables: dict[tuple[float, float], np.ndarray] = {}
        self.last_invoke_ms = 0.0

    def _table(self, scale: float, offset: float) -> np.ndarray:
        """The model's input value for each byte value, as ``cv2.LUT`` takes it."""
        table = self._tables.get((scale, offset))
        if table is None:
            values = np.arange(256, dtype=np.float32) * np.float32(scale) + np.float32(offset)
            table = self._tables[scale, offset] = values.reshape(256, 1)
        return table

    def run_image(
        self, image: np.ndarray, scale: float, offset: float, *, at: tuple[int, int] = (0, 0)
    ) -> list[np.ndarray]:
        """Run on an ``(H, W, 3)`` BGR or ``(H, W, 4)`` RGBA uint8 image, fed as
        ``RGB * scale + offset``; a batched model takes ``(B, H, W, C)``, every image at the
        input size, and its outputs stack the batch's results along their last axis.

        An image smaller than the input is placed with its top-left corner ``at`` (row,
        column), and the rest of the input reads as black: letterboxing without a padded copy.
        The values are written straight into the interpreter's input tensor by one table
        lookup: no float copy of the image and no ``set_tensor`` copy of that. The outputs are
        views of the interpreter's buffers, valid until the next run: callers copy what they
        keep (the interpreter refuses to run while a view is alive, so a forgotten one fails
        loudly instead of changing under its holder).
        """
        table = self._table(scale, offset)
        view = self._input_view()
        channels = image.shape[-1]
        if image.ndim == 4:  # a batch: one lookup over the images stacked as one
            width = image.shape[2]
            image = image.reshape(-1, width, channels)
            view = view.reshape(-1, width, 3)
        else:
            view = view[0]
        rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB if channels == 3 else cv2.COLOR_RGBA2RGB)
        height, width = rgb.shape[:2]
        top, left = at
        if (height, width) != view.shape[:2]:  # letterboxed: paint the bands black
            black = table[0, 0]
            if height < view.shape[0]:
                view[:top] = black
                view[top + height :] = black
            if width < view.shape[1]:
                view[top : top + height, :left] = black
                view[top : top + height, left + width :] = black
        region = view[top : top + height, left : left + width]
        if region.flags.c_contiguous:  # full rows: the lookup writes in place
            cv2.LUT(rgb, table, dst=region)
        else:
            region[...] = cv2.LUT(rgb, table)
        del view, region  # the interpreter refuses to run while a view of its buffers is alive
        start = time.perf_counter()
        self._interpreter.invoke()
        self.last_invoke_ms = (time.perf_counter() - start) * 1000.0
        return [view() for view in self._output_views]
