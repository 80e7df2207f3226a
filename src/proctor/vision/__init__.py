"""Vision: decode frames, run the face and object detectors, and return an Observation."""
