"""Where a frame of the open phone dataset came from, read from its file name.

The dataset's frames come from few people: a phone camera's or a laptop webcam's day (one
sitting), numbered videos (``cell05_0012``), and collections with a common prefix. Frames of one
group share a person, a room or a video, so a fair cross-check keeps whole groups out of
training, and the evaluation reports recall per group. Standard library only: the training
code imports it too.
"""

from __future__ import annotations


def source_group(name: str) -> str:
    """The source a dataset frame came from, read from its file name: a camera's date (one
    sitting), a numbered video (``cell05_0012``), or a collection's prefix."""
    stem = name.split("_jpg.rf.")[0].split("_png.rf.")[0].split(".rf.")[0]
    if stem.startswith("IMG") and stem[3:11].isdigit():
        return stem[:11]
    if stem.startswith("WIN_"):
        return stem[:12]
    head = stem.removesuffix("_png").rstrip("0123456789-_ ")
    if head.startswith("cell") and "_" in stem:
        return stem.split("_")[0]
    return head or "numbered"
