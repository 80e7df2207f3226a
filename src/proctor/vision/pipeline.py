"""The vision pipeline: one frame in, one ``Observation`` out.

decode → faces (BlazeFace short + full range) → FaceMesh and Iris on the primary (largest) face →
head pose, gaze, looking away → objects (every ``object_every_n_frames``-th call unless the
caller decides). Models are loaded once per ``Pipeline``; apart from the object-frame counter the
pipeline keeps no state, so a server can run one per worker process and pass each session's
calibrated neutral pose with every call.

Two options trade work for nothing the caller needs; both default to the full behaviour (the
command line and the evaluation use it): ``full_range=False`` runs the short-range face model
first and the full-range one only when needed (``FaceDetector.detect``), and
``gaze_when_away=False`` skips the irises when the head pose alone already says looking away
(gaze can only add a reason, so ``looking_away`` is the same; ``gaze`` is then None).
"""

from __future__ import annotations

import time
from dataclasses import replace

import cv2
import numpy as np

from proctor.config import Settings
from proctor.vision.attention import DEFAULT_NEUTRAL, Judgement, NeutralPose, judge
from proctor.vision.detectors.base import ObjectDetector, create
from proctor.vision.detectors.faces import FaceBox, FaceDetector
from proctor.vision.detectors.landmarks import FaceLandmarker
from proctor.vision.frames import FrameError, decode_reduced
from proctor.vision.gaze import gaze_from_eyes
from proctor.vision.head_pose import head_pose_from_mesh, yaw_from_keypoints
from proctor.vision.types import Box, Face, Observation

# Every model looks at a frame this wide or less (BlazeFace 192, CenterNet 512, the face crops
# come from faces far larger than their 192-pixel input at this size), so a JPEG twice as wide
# is decoded at half size, and boxes are scaled back to the file's own pixels.
ANALYSIS_WIDTH = 640


def _ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0


def _scale_box(box: Box, sx: float, sy: float) -> Box:
    return (box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy)


def _to_file_pixels(obs: Observation, width: int, height: int) -> None:
    """Boxes and size of an observation made on a reduced decode, in the file's pixels."""
    sx, sy = width / obs.width, height / obs.height
    obs.faces = [
        Face(box=_scale_box(f.box, sx, sy), score=f.score, head_pose=f.head_pose, gaze=f.gaze)
        for f in obs.faces
    ]
    obs.objects = [replace(d, box=_scale_box(d.box, sx, sy)) for d in obs.objects]
    obs.width, obs.height = width, height


class Pipeline:
    """Runs the detectors on one frame at a time."""

    def __init__(
        self, settings: Settings, *, object_detector: ObjectDetector | None = None
    ) -> None:
        self.settings = settings
        # OpenCV's own thread pool (resize, warps) follows the same budget as the models: a
        # server runs one pipeline per worker process, and extra threads only contend.
        cv2.setNumThreads(settings.vision_threads)
        self.faces = FaceDetector(num_threads=settings.vision_threads)
        self.landmarks = FaceLandmarker(num_threads=settings.vision_threads)
        self.objects = object_detector if object_detector is not None else create(settings)
        self._calls = 0

    def analyze_bytes(
        self,
        data: bytes,
        *,
        neutral: NeutralPose | None = None,
        run_objects: bool | None = None,
        require_jpeg: bool = False,
        max_bytes: int | None = None,
        full_range: bool = True,
        gaze_when_away: bool = True,
    ) -> Observation:
        """Decode and analyze an encoded image; raises ``FrameError`` for unusable input."""
        start = time.perf_counter()
        image, (width, height) = decode_reduced(
            data,
            max_bytes=max_bytes if max_bytes is not None else self.settings.max_image_bytes,
            max_side=self.settings.max_image_side,
            require_jpeg=require_jpeg,
            min_width=ANALYSIS_WIDTH,
        )
        decode_ms = _ms_since(start)
        observation = self.analyze_image(
            image,
            neutral=neutral,
            run_objects=run_objects,
            full_range=full_range,
            gaze_when_away=gaze_when_away,
        )
        if (width, height) != (observation.width, observation.height):
            _to_file_pixels(observation, width, height)
        observation.timings_ms["decode"] = decode_ms
        observation.timings_ms["total"] = _ms_since(start)
        return observation

    def analyze_image(
        self,
        image_bgr: np.ndarray,
        *,
        neutral: NeutralPose | None = None,
        run_objects: bool | None = None,
        full_range: bool = True,
        gaze_when_away: bool = True,
    ) -> Observation:
        """Analyze a BGR ``uint8`` image of shape ``(H, W, 3)``."""
        if image_bgr.ndim != 3 or image_bgr.shape[2] != 3 or image_bgr.dtype != np.uint8:
            raise FrameError("not_image", "expected a BGR uint8 image of shape (H, W, 3)")
        height, width = image_bgr.shape[:2]
        if height == 0 or width == 0:
            raise FrameError("zero_dimensions", f"the image is {width}x{height}")
        start = time.perf_counter()
        obs = Observation(width=width, height=height)
        obs.timings_ms["decode"] = 0.0  # analyze_bytes fills it in
        models_ms = 0.0

        found = self.faces.detect(image_bgr, full_range=full_range)
        obs.timings_ms["face_detect"] = _ms_since(start)
        models_ms += self.faces.invoke_ms()

        mesh_start = time.perf_counter()
        neutral = neutral or DEFAULT_NEUTRAL
        obs.calibrated = neutral.calibrated
        if found:
            primary, verdict = self._primary_face(image_bgr, found[0], neutral, gaze_when_away)
            models_ms += self.landmarks.invoke_ms()
            obs.faces = [primary] + [Face(box=f.box, score=f.score) for f in found[1:]]
            obs.looking_away = verdict.reason is not None
            obs.away_reason = verdict.reason
            obs.gaze_offset_deg = verdict.gaze_offset_deg
        obs.timings_ms["mesh_iris"] = _ms_since(mesh_start)

        objects_start = time.perf_counter()
        obs.objects_ran = self._should_run_objects(run_objects)
        if obs.objects_ran:
            detections = self.objects.detect(image_bgr)
            models_ms += self.objects.invoke_ms()
            obs.persons = sum(1 for d in detections if d.label == "person")
            obs.objects = detections
        obs.timings_ms["objects"] = _ms_since(objects_start)
        obs.timings_ms["models"] = models_ms
        obs.timings_ms["total"] = _ms_since(start)
        return obs

    def _primary_face(
        self, image_bgr: np.ndarray, face: FaceBox, neutral: NeutralPose, gaze_when_away: bool
    ) -> tuple[Face, Judgement]:
        """The primary face with pose and gaze (when the mesh reads it), and whether and why it
        looks away."""
        height, width = image_bgr.shape[:2]
        marks = self.landmarks.landmarks(image_bgr, face, eyes=False)
        keypoint_yaw = yaw_from_keypoints(face.keypoints)
        pose = gaze = None
        if marks is not None:
            pose = head_pose_from_mesh(marks.mesh, width, height)
            by_pose = judge(pose, None, keypoint_yaw, neutral, self.settings).reason
            if gaze_when_away or by_pose is None:
                marks = self.landmarks.with_eyes(image_bgr, marks)
                reference = (neutral.gaze_horizontal, neutral.gaze_vertical)
                gaze = gaze_from_eyes(marks.left_eye, marks.right_eye, reference)
        verdict = judge(pose, gaze, keypoint_yaw, neutral, self.settings)
        return Face(box=face.box, score=face.score, head_pose=pose, gaze=gaze), verdict

    def _should_run_objects(self, run_objects: bool | None) -> bool:
        if run_objects is not None:
            return run_objects
        due = self._calls % self.settings.object_every_n_frames == 0
        self._calls += 1
        return due
