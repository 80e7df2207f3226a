"""JSON shapes of sessions, events and chat messages (docs/API.md), shared by REST and Socket.IO."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from proctor.audio.live import session_mode
from proctor.config import Settings
from proctor.db import recordings
from proctor.db.models import ChatRow, EventRow, SessionRow, utcnow
from proctor.db.repo import event_counts
from proctor.scoring import compute_score, merge_weights


def iso(value: datetime | None) -> str | None:
    """ISO-8601 UTC with milliseconds and ``Z``."""
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def evidence_type(path: str | None) -> str | None:
    """The media type of a stored evidence file, from the suffix the server gave it."""
    if not path:
        return None
    return "audio/webm" if path.endswith(".webm") else "image/jpeg"


def event_json(row: EventRow) -> dict[str, Any]:
    evidence = f"/sessions/{row.session_id}/events/{row.id}/evidence" if row.evidence_path else None
    return {
        "id": row.id,
        "session_id": row.session_id,
        "type": row.type,
        "detail": row.detail,
        "role": row.role,
        "name": row.name,
        "timestamp": iso(row.timestamp),
        "ended_at": iso(row.ended_at),
        "duration_s": row.duration_s,
        "confidence": row.confidence,
        "source": row.source,
        "evidence_url": evidence,
        "evidence_type": evidence_type(row.evidence_path),
        "client_id": row.client_id,
    }


def chat_json(row: ChatRow) -> dict[str, Any]:
    return {
        "session_id": row.session_id,
        "role": row.role,
        "name": row.name,
        "message": row.message,
        "timestamp": iso(row.timestamp),
        "client_id": row.client_id,
    }


def session_weights(settings: Settings, row: SessionRow) -> dict[str, float]:
    return merge_weights(settings.score_weights, (row.settings or {}).get("score_weights"))


def score_json(settings: Settings, row: SessionRow, types: list[str]) -> dict[str, Any]:
    result: dict[str, Any] = compute_score(types, session_weights(settings, row)).to_json()
    return result


def session_json(
    settings: Settings,
    row: SessionRow,
    types: list[str],
    participants: list[dict[str, str]],
) -> dict[str, Any]:
    end = row.ended_at or utcnow()
    parts = [r for r in row.recordings if r.path]
    main = recordings.main(parts)
    return {
        "session_id": row.session_id,
        "name": row.name,
        "status": row.status,
        "started_at": iso(row.started_at),
        "ended_at": iso(row.ended_at),
        "duration_s": round(max(0.0, (end - row.started_at).total_seconds()), 1),
        # The main recording (the largest part); all parts: GET /sessions/{id}/videos
        "video_url": f"/sessions/{row.session_id}/video" if main else None,
        "video_started_at": iso(main.started_at) if main else None,
        "video_duration_s": main.duration_s if main else None,
        "video_parts": len(parts),
        "mode": session_mode(row.settings),
        "score": score_json(settings, row, types),
        "counts": event_counts(types),
        "participants": participants,
    }
