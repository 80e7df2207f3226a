"""Settings from the environment (prefix ``PROCTOR_``), validated so unsafe values are refused."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from proctor.alerts.config import (
    DEFAULT_ALERT_EVENTS,
    AlertRule,
    parse_alert_events,
    parse_url_list,
)

DEFAULT_SCORE_WEIGHTS: dict[str, float] = {
    "no_face_detected": 5.0,
    "multiple_faces_detected": 10.0,
    "looking_away": 3.0,
    "object_detected": 10.0,
    "identity_mismatch": 20.0,  # someone else may be taking the test
    "focus_lost": 5.0,
    "fullscreen_exit": 3.0,
    "copy_paste": 5.0,
    "speech_detected": 5.0,  # exam: talking (to someone, or reading out)
    "other_voice": 10.0,  # interview: a voice that is not the candidate's
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
    redis_channel: str = "proctor-socketio"  # Socket.IO pub/sub channel shared by the servers
    # Scaled out: this server's name among the nodes (default: host, pid and a random suffix),
    # and how often it tells Redis it is alive (presence of a node silent 3 times as long expires)
    node_id: str = Field(default="", max_length=100)
    node_heartbeat_seconds: float = Field(default=5.0, ge=0.2, le=300)

    # Logs: one JSON object per line, or plain text
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    models_dir: Path = Field(default_factory=_default_models_dir)

    # Object detector: a registry name, optionally with a model file and label map for ONNX models
    object_model: str = "centernet"
    object_model_path: Path | None = None
    object_model_labels: Path | None = None
    # Per-label score thresholds overriding the detector's tuned ones, e.g. {"cell_phone": 0.2}
    object_thresholds: dict[str, float] = Field(default_factory=dict)
    object_nms_iou: float = Field(default=0.45, gt=0, le=1.0)
    # CenterNet: look again at the main person's upper body for phones (about 60% more time)
    object_second_look: bool = False
    object_every_n_frames: int = Field(default=2, ge=1, le=100)
    # Phones come from the project's own phone model (vision/weights/PHONE_MODEL.md) beside the
    # object model; "none" leaves them to the object model
    phone_model: Literal["proctor-phone", "none"] = "proctor-phone"
    phone_threshold: float = Field(default=0.5, gt=0, le=1.0)
    # A second look at the phone model's unsure boxes: one from phone_unsure_score up stands when
    # its pass over the mirrored frame finds a phone there too (at phone_mirror_score; run only
    # when needed), and one from phone_object_unsure_score up when CenterNet, which runs anyway,
    # finds one there (at phone_object_score)
    phone_second_look: bool = True
    phone_unsure_score: float = Field(default=0.3, gt=0, le=1.0)
    phone_mirror_score: float = Field(default=0.3, gt=0, le=1.0)
    phone_object_unsure_score: float = Field(default=0.1, gt=0, le=1.0)
    phone_object_score: float = Field(default=0.15, gt=0, le=1.0)
    # Live analysis: the full-range face model (small background faces) on every k-th frame of a
    # session, and on every frame while it sees several faces; in between the short-range model
    # alone when it is sure of the faces it sees (1: both models on every frame, as the CLI does)
    full_range_every: int = Field(default=3, ge=1, le=100)
    vision_threads: int = Field(default=1, ge=1, le=64)

    # Looking away, in degrees from the neutral pose (vision/attention.py): head yaw and pitch
    # (F1 on the evaluation set holds for yaw 20-30), and the eyes' rotation sideways and down
    # from a calibrated neutral (wider against the default one, as for a still image)
    yaw_threshold_deg: float = Field(default=25.0, gt=0, le=90)
    pitch_threshold_deg: float = Field(default=25.0, gt=0, le=90)
    gaze_threshold_deg: float = Field(default=10.0, gt=0, le=90)
    gaze_down_threshold_deg: float = Field(default=6.0, gt=0, le=90)
    calibration_seconds: float = Field(default=5.0, ge=0, le=120)

    # Identity (docs/IDENTITY.md): the live face is compared with the enrolment photo (or the
    # interviewer's reference photo) every ``identity_every_s`` seconds (0: never); a mismatch
    # in ``identity_mismatches`` of the last ``identity_window`` checks raises identity_mismatch
    identity_every_s: float = Field(default=10.0, ge=0, le=3600)
    identity_window: int = Field(default=4, ge=1, le=50)
    identity_mismatches: int = Field(default=3, ge=1, le=50)

    # Input limits
    max_image_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    max_image_side: int = Field(default=4096, gt=0)
    max_frame_bytes: int = Field(default=2 * 1024 * 1024, gt=0)
    max_chat_chars: int = Field(default=2000, gt=0, le=100_000)
    max_video_bytes: int = Field(default=2 * 1024 * 1024 * 1024, gt=0)
    # A recording part whose page sent no chunk for this long is joined as it is (page closed)
    recording_abandoned_seconds: float = Field(default=120.0, ge=0, le=7 * 24 * 3600)

    # Integrity score: deduction per event of each type
    score_weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_SCORE_WEIGHTS))

    # HTTP. CORS is closed unless origins are listed (comma-separated or a JSON list)
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    public_url: str | None = None
    # Strict-Transport-Security max-age on answers served over HTTPS (0: not sent)
    hsts_seconds: int = Field(default=31_536_000, ge=0, le=10 * 31_536_000)
    web_dir: Path = Path("web/dist/proctor/browser")
    metrics_public: bool = True

    # Live analysis: worker processes (0 turns live analysis off) and per-connection rate limits
    analysis_workers: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=0, le=64)
    frame_rate_per_s: float = Field(default=5.0, gt=0, le=100)
    frame_burst: int = Field(default=10, ge=1, le=1000)
    message_rate_per_s: float = Field(default=20.0, gt=0, le=1000)
    message_burst: int = Field(default=40, ge=1, le=10_000)
    # Chat has its own, lower limit: a flood of messages is refused before it is stored and sent
    chat_rate_per_s: float = Field(default=2.0, gt=0, le=1000)
    chat_burst: int = Field(default=10, ge=1, le=10_000)

    # Event rules: how long a condition must hold before it starts, and be clear before it ends
    rule_start_seconds: float = Field(default=0.8, ge=0, le=60)
    rule_clear_seconds: float = Field(default=2.0, ge=0, le=60)
    phone_strong_score: float = Field(default=0.5, gt=0, le=1.0)
    # An object event starts only once some frame reached this score (the detector's own,
    # lower threshold then keeps it going): a steady weak false positive is not an alert.
    object_confirm_score: float = Field(default=0.3, gt=0, le=1.0)

    # Live audio (src/proctor/audio): analysed in one process of its own at this lower CPU
    # priority (nice), so the vision workers win the cores; chunks larger than the limit are
    # refused (a 1 s chunk at 24 kbit/s is ~3 KB)
    audio_analysis: bool = True
    audio_nice: int = Field(default=5, ge=0, le=19)
    max_audio_chunk_bytes: int = Field(default=64 * 1024, ge=1024, le=1024 * 1024)
    # Exam: speech lasting this long is speech_detected. Interview: the candidate's voice is
    # learned from their first audio_enroll_seconds of speech; a 2.4 s stretch of speech farther
    # than audio_other_threshold (cosine distance) from it is other_voice (docs/EVALUATION.md)
    audio_exam_speech_seconds: float = Field(default=1.5, ge=0.1, le=60)
    audio_enroll_seconds: float = Field(default=20.0, ge=2.4, le=600)
    audio_other_threshold: float = Field(default=0.3, gt=0, lt=2)

    # What the candidate is told (event types); the default lets them fix a hidden face
    candidate_notices: list[str] = Field(default_factory=lambda: ["no_face_detected"])

    # Alerts (docs/ALERTS.md): Apprise URLs every critical event goes to, the schemes a session
    # may bring its own URLs in, which events are critical, and the signed webhook
    alert_urls: Annotated[list[str], NoDecode] = Field(default_factory=list)
    alert_schemes: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["mailto", "mailtos"]
    )
    alert_events: Annotated[dict[str, AlertRule], NoDecode] = Field(
        default_factory=lambda: dict(DEFAULT_ALERT_EVENTS)
    )
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    # At most this many alerts per session and channel in a minute; the rest go in one digest
    alert_max_per_minute: int = Field(default=5, ge=1, le=1000)
    # Retries: the first after alert_retry_seconds, each next one twice as late (up to the max)
    alert_max_attempts: int = Field(default=8, ge=1, le=100)
    alert_retry_seconds: float = Field(default=5.0, gt=0, le=3600)
    alert_retry_max_seconds: float = Field(default=600.0, gt=0, le=86_400)
    alert_timeout_seconds: float = Field(default=20.0, gt=0, le=600)
    alert_poll_seconds: float = Field(default=1.0, gt=0, le=600)
    # Whether this node sends alerts from the outbox (every node writes them)
    alert_sender: bool = True

    # Browser settings served by /client-config
    # ICE servers (STUN/TURN) for WebRTC; none by default: host candidates suffice on one network
    ice_servers: list[dict[str, str | list[str]]] = Field(default_factory=list)
    frame_interval_ms: int = Field(default=1000, ge=100, le=60_000)
    frame_width: int = Field(default=640, ge=64, le=4096)
    frame_height: int = Field(default=480, ge=64, le=4096)
    jpeg_quality: float = Field(default=0.7, gt=0, le=1.0)
    # Sessions (rows and files) are deleted this many days after they end; the server checks
    # every retention_check_seconds (daily), `proctor purge` does it on demand
    retention_days: int = Field(default=30, ge=1, le=3650)
    retention_check_seconds: float = Field(default=86_400.0, ge=0.1, le=30 * 86_400)
    chunk_interval_ms: int = Field(default=5000, ge=500, le=600_000)

    @field_validator("score_weights")
    @classmethod
    def _weights_non_negative(cls, value: dict[str, float]) -> dict[str, float]:
        bad = {k: v for k, v in value.items() if v < 0 or v > 100}
        if bad:
            raise ValueError(f"score weights must be between 0 and 100: {bad}")
        return {**DEFAULT_SCORE_WEIGHTS, **value}

    @field_validator("object_thresholds")
    @classmethod
    def _thresholds_in_range(cls, value: dict[str, float]) -> dict[str, float]:
        bad = {k: v for k, v in value.items() if not 0 < v <= 1}
        if bad:
            raise ValueError(f"object thresholds must be in (0, 1]: {bad}")
        return value

    @field_validator("alert_urls", "alert_schemes", mode="before")
    @classmethod
    def _url_list(cls, value: Any) -> Any:
        return parse_url_list(value)

    @field_validator("alert_schemes")
    @classmethod
    def _lower_schemes(cls, value: list[str]) -> list[str]:
        return [v.lower().removesuffix("://") for v in value]

    @field_validator("alert_events", mode="before")
    @classmethod
    def _alert_events(cls, value: Any) -> Any:
        return parse_alert_events(value)

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_url and not self.webhook_secret:
            raise ValueError(
                "PROCTOR_WEBHOOK_URL needs PROCTOR_WEBHOOK_SECRET (it signs each post)"
            )
        return self

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _origin_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [o.strip() for o in text.split(",") if o.strip()]
        return value

    @field_validator("cors_origins")
    @classmethod
    def _no_wildcard_origin(cls, value: list[str]) -> list[str]:
        if "*" in value:
            raise ValueError("a wildcard CORS origin is refused: list the allowed origins")
        origins = [o.rstrip("/") for o in value]
        for origin in origins:
            parts = urlsplit(origin)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.path:
                raise ValueError(f"not an origin (scheme://host[:port]): {origin!r}")
        return origins

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
