"""Settings from the environment (prefix ``PROCTOR_``), validated so unsafe values are refused."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SCORE_WEIGHTS: dict[str, float] = {
    "no_face_detected": 5.0,
    "multiple_faces_detected": 10.0,
    "looking_away": 3.0,
    "object_detected": 10.0,
    "focus_lost": 5.0,
    "fullscreen_exit": 3.0,
    "copy_paste": 5.0,
    "manual": 0.0,
}


def _default_models_dir() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "proctor" / "models"


class Settings(BaseSettings):
    """Every knob of the server and the vision pipeline, with safe defaults."""

    model_config = SettingsConfigDict(env_prefix="PROCTOR_", extra="ignore")

    # Storage
    data_dir: Path = Path("data")
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "PROCTOR_DATABASE_URL")
    )
    redis_url: str | None = Field(
        default=None, validation_alias=AliasChoices("REDIS_URL", "PROCTOR_REDIS_URL")
    )
    models_dir: Path = Field(default_factory=_default_models_dir)

    # Object detector: a registry name, optionally with a model file and label map for ONNX models
    object_model: str = "centernet"
    object_model_path: Path | None = None
    object_model_labels: Path | None = None
    object_every_n_frames: int = Field(default=2, ge=1, le=100)
    vision_threads: int = Field(default=1, ge=1, le=64)

    # Looking away: degrees from the calibrated neutral pose, and gaze offsets (-1..1)
    yaw_threshold_deg: float = Field(default=30.0, gt=0, le=90)
    pitch_threshold_deg: float = Field(default=25.0, gt=0, le=90)
    gaze_threshold: float = Field(default=0.45, gt=0, le=1.0)
    calibration_seconds: float = Field(default=5.0, ge=0, le=120)

    # Input limits
    max_image_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    max_image_side: int = Field(default=4096, gt=0)
    max_frame_bytes: int = Field(default=2 * 1024 * 1024, gt=0)
    max_chat_chars: int = Field(default=2000, gt=0, le=100_000)
    max_video_bytes: int = Field(default=2 * 1024 * 1024 * 1024, gt=0)

    # Integrity score: deduction per event of each type
    score_weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_SCORE_WEIGHTS))

    # HTTP
    cors_origins: list[str] = Field(default_factory=list)
    public_url: str | None = None

    @field_validator("score_weights")
    @classmethod
    def _weights_non_negative(cls, value: dict[str, float]) -> dict[str, float]:
        bad = {k: v for k, v in value.items() if v < 0 or v > 100}
        if bad:
            raise ValueError(f"score weights must be between 0 and 100: {bad}")
        return {**DEFAULT_SCORE_WEIGHTS, **value}

    @field_validator("cors_origins")
    @classmethod
    def _no_wildcard_origin(cls, value: list[str]) -> list[str]:
        if "*" in value:
            raise ValueError("a wildcard CORS origin is refused: list the allowed origins")
        return value

    @model_validator(mode="after")
    def _onnx_model_needs_file(self) -> Settings:
        if self.object_model not in ("centernet", "none") and self.object_model_path is None:
            raise ValueError(
                f"PROCTOR_OBJECT_MODEL={self.object_model!r} needs PROCTOR_OBJECT_MODEL_PATH"
            )
        return self

    @property
    def resolved_database_url(self) -> str:
        """The SQLAlchemy URL: SQLite in the data dir unless DATABASE_URL says otherwise."""
        if not self.database_url:
            return f"sqlite:///{(self.data_dir / 'proctor.db').resolve()}"
        url = self.database_url
        for plain in ("postgresql://", "postgres://"):
            if url.startswith(plain):
                return "postgresql+psycopg://" + url[len(plain) :]
        return url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
