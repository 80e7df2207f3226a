"""Response shapes (docs/API.md), declared so that /docs and /openapi.json show them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class StartSessionOut(BaseModel):
    session_id: str
    name: str
    interviewer_token: str
    candidate_token: str
    interviewer_url: str
    candidate_url: str


class ScoreItemOut(BaseModel):
    type: str
    count: int
    deduction: float


class ScoreOut(BaseModel):
    score: float
    breakdown: list[ScoreItemOut]


class ParticipantOut(BaseModel):
    role: Literal["interviewer", "candidate"]
    name: str


class SessionOut(BaseModel):
    session_id: str
    name: str
    status: Literal["active", "ended"]
    started_at: str
    ended_at: str | None
    duration_s: float
    video_url: str | None
    video_started_at: str | None
    video_duration_s: float | None
    video_parts: int
    # interview: another voice is an event; exam: any sustained speech is
    mode: Literal["interview", "exam"]
    score: ScoreOut
    counts: dict[str, int]
    participants: list[ParticipantOut]


class EventOut(BaseModel):
    id: int
    session_id: str
    type: str
    detail: str
    role: str
    name: str
    timestamp: str
    ended_at: str | None
    duration_s: float | None
    confidence: float | None
    source: Literal["vision", "audio", "browser", "manual"]
    evidence_url: str | None
    # What evidence_url serves: a picture (image/jpeg) or a sound clip (audio/webm)
    evidence_type: Literal["image/jpeg", "audio/webm"] | None
    client_id: str | None


class CalibrateOut(BaseModel):
    session_id: str
    calibrating: bool


class VideoOut(BaseModel):
    session_id: str
    video_url: str
    part: str
    part_url: str
    size: int


class ChunkOut(BaseModel):
    index: int
    size: int
    received: list[int]


class CompleteOut(BaseModel):
    video_url: str
    part: str
    part_url: str
    size: int
    started_at: str | None
    duration_s: float | None


class PartOut(BaseModel):
    part: str
    started_at: str | None
    duration_s: float | None
    size: int
    mime: str | None
    url: str


class HealthOut(BaseModel):
    status: Literal["ok", "degraded"]
    database: Literal["ok", "down"]
    redis: Literal["ok", "down", "off"]
    analysis: str
    audio: str  # live audio analysis: "ok", or why it is off
    node: str


class ClientConfigOut(BaseModel):
    ice_servers: list[dict[str, str | list[str]]]
    frame_interval_ms: int
    frame_width: int
    frame_height: int
    jpeg_quality: float
    retention_days: int
    chunk_interval_ms: int
    max_frame_bytes: int
    max_chat_chars: int
    identity_every_s: float
