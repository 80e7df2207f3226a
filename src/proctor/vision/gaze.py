"""Gaze: where each iris sits between its eye corners, averaged over both eyes.

Both axes are measured in the eye's own frame (the line through its two corners), so they give
the eye's rotation in the head, not in the image. Horizontal is the iris centre's position along
the corner line, from -1 at the image-left corner to +1 at the image-right one. Vertical is its
offset across that line, positive up, over a quarter of the eye's width: the visible eye is about
half as tall as it is wide, so the iris travels about half as far up or down as sideways, and
this scale makes the two axes comparable. Both are clipped to -1..1 (conventions of ``Gaze``);
``types.gaze_degrees`` turns them into the eye's rotation in degrees. Values are not centred: the
neutral offsets come from calibration (attention.py).

The eye corners are the reference rather than the eyelid landmarks: on the evaluation set's
selfie clips both gave an equally steady reading over time with the eyes on the camera, but the
two eyes agreed about twice as well against the corners (their readings differed by a median
0.06 against 0.12).

Both eyes turn together, so when the two eyes disagree on an axis by more than
``MAX_EYE_DISAGREEMENT``, one of them is probably misread (a hand or hair over it, a
turned head hiding it): on that axis the reading closer to the neutral is kept, because a false
"looking away" costs more than a missed one.
"""

from __future__ import annotations

import math

from proctor.vision.detectors.landmarks import EyeLandmarks
from proctor.vision.types import Gaze

# Iris-model contour rows 0 and 8 are the eye corners (0 is the outer one).
_OUTER, _INNER = 0, 8
# A straight-looking iris sits this far toward the outer corner (the inner corner's caruncle
# widens the eye on the nose side); measured on the evaluation set's frontal faces. Removing it
# makes the two eyes' values comparable; their mean is unchanged.
EYE_TEMPORAL_OFFSET = 0.09
# About the 90th percentile of the two eyes' difference on the evaluation set's frontal faces.
MAX_EYE_DISAGREEMENT = 0.2


def eye_gaze(eye: EyeLandmarks, *, mirrored: bool) -> tuple[float, float] | None:
    """(horizontal, vertical) for one eye; ``mirrored`` for the image-right eye.

    The image-right eye's outer corner is on the image's right, hence ``mirrored``.
    """
    (ax, ay), (bx, by) = eye.contour[_OUTER].tolist(), eye.contour[_INNER].tolist()
    if mirrored:
        (ax, ay), (bx, by) = (bx, by), (ax, ay)
    ux, uy = bx - ax, by - ay  # the corner line
    width = math.hypot(ux, uy)
    if width < 1e-6:
        return None
    ux, uy = ux / width, uy / width
    # the iris centre's offset from the corners' midpoint, along the line and across it (the
    # line turned 90 degrees toward the image's top: (uy, -ux))
    ix, iy = eye.iris[0].tolist()
    dx, dy = ix - (ax + bx) / 2.0, iy - (ay + by) / 2.0
    temporal = EYE_TEMPORAL_OFFSET if mirrored else -EYE_TEMPORAL_OFFSET
    return 2.0 * (dx * ux + dy * uy) / width - temporal, 4.0 * (dx * uy - dy * ux) / width


def gaze_from_eyes(
    left: EyeLandmarks | None,
    right: EyeLandmarks | None,
    reference: tuple[float, float] = (0.0, 0.0),
) -> Gaze | None:
    """Gaze of the eyes that were read (None when neither was).

    Per axis: the mean of both eyes, or, when they disagree, the one closer to ``reference``
    (the neutral gaze).
    """
    readings = [
        g
        for g in (
            eye_gaze(left, mirrored=False) if left is not None else None,
            eye_gaze(right, mirrored=True) if right is not None else None,
        )
        if g is not None
    ]
    if not readings:
        return None
    axes = []
    for axis, centre in enumerate(reference):
        values = [r[axis] for r in readings]
        if max(values) - min(values) > MAX_EYE_DISAGREEMENT:
            axes.append(min(values, key=lambda v: abs(v - centre)))
        else:
            axes.append(sum(values) / len(values))
    h, v = axes
    return Gaze(horizontal=min(max(float(h), -1.0), 1.0), vertical=min(max(float(v), -1.0), 1.0))
