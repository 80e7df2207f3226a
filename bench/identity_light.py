"""Live identity checks under changed lighting: the evaluation set's webcam clips, with the
enrolment taken in the clip's own light and the later frames darkened, brightened or lit from
one side, as the live check decides them (faceres first, dlib when faceres does not accept).

The same man (a different recording minutes apart) should be accepted; the woman of the other
clip refused. Light is changed in software (a gain and gamma on the whole frame, or a gradient
across it), which stands in for a dimmer room or a lamp to one side, not for a real camera's
exposure control or noise.

    python -m bench.identity_light [--every 15] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from proctor.identity import worker
from proctor.identity.faces import FaceFinder
from proctor.identity.verify import THRESHOLDS

EVALSET = Path(
    os.environ.get("PROCTOR_EVALSET", Path(__file__).resolve().parents[2] / "shared" / "evalset")
)
ENROL = "webcam_gaze_center_focus.mp4"
SAME = "webcam_gaze_center_right_center.mp4"
OTHER = "webcam_woman_thumbsup.mp4"
LIMITS = {"max_bytes": 10 << 20, "max_side": 4096}


def _gain(gain: float, gamma: float) -> Callable[[np.ndarray], np.ndarray]:
    def apply(image: np.ndarray) -> np.ndarray:
        x: np.ndarray = (image.astype(np.float32) / 255.0) ** gamma * gain
        out: np.ndarray = np.clip(x * 255, 0, 255).astype(np.uint8)
        return out

    return apply


def _side(image: np.ndarray) -> np.ndarray:
    """Light from the image's left: full brightness there, a fifth of it on the right."""
    w = image.shape[1]
    ramp = np.linspace(1.0, 0.2, w, dtype=np.float32)[None, :, None]
    out: np.ndarray = np.clip(image.astype(np.float32) * ramp, 0, 255).astype(np.uint8)
    return out


CONDITIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "as recorded": lambda image: image,
    "dim (x0.5)": _gain(0.5, 1.0),
    "dark (x0.3, gamma 1.3)": _gain(0.3, 1.3),
    "very dark (x0.15, gamma 1.5)": _gain(0.15, 1.5),
    "bright (x1.6)": _gain(1.6, 0.8),
    "side light (1 to 0.2)": _side,
}


def frames(clip: str, every: int) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(EVALSET / "videos" / clip))
    out, index = [], 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        if index % every == 0:
            out.append(frame)
        index += 1
    cap.release()
    return out


def jpeg(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])
    assert ok
    return bytes(data.tobytes())


def run(every: int) -> dict[str, dict[str, object]]:
    finder = FaceFinder()
    enrolled = worker.enrol(jpeg(frames(ENROL, 1000)[0]), spoof=False, **LIMITS)
    assert enrolled.embedding is not None, enrolled.message
    refs = (enrolled.embedding, enrolled.screen_embedding)
    people = {"same man": frames(SAME, every), "someone else": frames(OTHER, every)}
    result: dict[str, dict[str, object]] = {}
    for name, change in CONDITIONS.items():
        row: dict[str, object] = {}
        for who, shots in people.items():
            accepted, decided_by_dlib, no_face, scores = 0, 0, 0, []
            for shot in shots:
                image = change(shot)
                face = finder.primary(image)
                if face is None:
                    no_face += 1
                    continue
                # The live pipeline's box is BlazeFace's own; the finder's is scaled to dlib's.
                box = tuple(float(v) for v in _blazeface_box(face.box))
                found = worker.live_check(jpeg(image), box, *refs, **LIMITS)  # type: ignore[arg-type]
                if found is None:
                    no_face += 1
                    continue
                model, score = found
                decided_by_dlib += model == "dlib"
                same = score >= THRESHOLDS[model]
                accepted += same
                if model == "dlib":
                    scores.append(score)
            checked = len(shots) - no_face
            row[who] = {
                "frames": len(shots),
                "no_usable_face": no_face,
                "accepted": round(accepted / checked, 3) if checked else None,
                "dlib_decided": decided_by_dlib,
                "dlib_median": round(statistics.median(scores), 3) if scores else None,
            }
        result[name] = row
    return result


def _blazeface_box(box: tuple[float, float, float, float]) -> tuple[float, ...]:
    from proctor.identity.faces import BLAZEFACE_BOX_SCALE, scaled

    return scaled(box, 1 / BLAZEFACE_BOX_SCALE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=int, default=15, help="every n-th frame of each clip")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    text = json.dumps(run(args.every), indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
