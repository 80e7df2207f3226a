"""A recording as the candidate's page sends it (``proctor.audio.clips.webm_chunks``)."""

from proctor.audio.clips import webm_chunks

__all__ = ["webm_chunks"]
