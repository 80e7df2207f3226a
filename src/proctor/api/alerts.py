"""Alerts: the delivery state of a session's alerts (sent, retrying, failed and why)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel

from proctor.alerts.outbox import session_alerts
from proctor.api.deps import Db, Interviewer
from proctor.api.errors import AUTH, errors
from proctor.api.limits import BoundedRoute
from proctor.shapes.views import iso

router = APIRouter(tags=["alerts"], route_class=BoundedRoute)


class AlertOut(BaseModel):
    id: int
    event_id: int | None
    channel: Literal["operator", "session", "webhook"]
    kind: Literal["event", "digest"]
    status: Literal["pending", "sending", "sent", "failed", "held", "digested", "skipped"]
    attempts: int
    created_at: str
    sent_at: str | None
    error: str | None


@router.get("/sessions/{session_id}/alerts", response_model=list[AlertOut], responses=errors(*AUTH))
def list_alerts(session_id: str, db: Db, _: Interviewer) -> list[dict[str, Any]]:
    """The session's alerts, oldest first: where each went (operator's addresses, the
    session's own, the webhook; never the address itself), whether it was sent, and why not."""
    return [
        {**a, "created_at": iso(a["created_at"]), "sent_at": iso(a["sent_at"])}
        for a in session_alerts(db, session_id)
    ]
