"""The PDF report of a session, built from the database."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response
from sqlalchemy.orm import Session

from proctor.alerts.content import event_words
from proctor.alerts.outbox import session_alerts
from proctor.api.deps import Ctx, Db, Interviewer
from proctor.api.errors import AUTH, errors
from proctor.api.limits import BoundedRoute
from proctor.context import AppContext
from proctor.db import identity as identity_store
from proctor.db import repo
from proctor.db.models import EventRow, utcnow
from proctor.identity.monitor import THRESHOLD
from proctor.reports.model import (
    ReportAlert,
    ReportChat,
    ReportData,
    ReportEvent,
    ReportIdentity,
    ReportIdentityCheck,
)
from proctor.scoring import compute_score
from proctor.shapes.views import evidence_type, session_weights

router = APIRouter(tags=["reports"], route_class=BoundedRoute)


def build_report_data(ctx: AppContext, db: Session, session_id: str) -> ReportData | None:
    row = repo.get_session(db, session_id)
    if row is None:
        return None
    events = repo.list_events(db, session_id)
    return ReportData(
        session_id=row.session_id,
        candidate_name=row.name,
        started_at=row.started_at,
        ended_at=row.ended_at,
        score=compute_score([e.type for e in events], session_weights(ctx.settings, row)),
        events=[
            ReportEvent(
                timestamp=e.timestamp,
                type=e.type,
                detail=e.detail,
                duration_s=e.duration_s,
                source=e.source,
                role=e.role,
                # An audio event's clip has no picture for the page
                evidence_jpeg=ctx.storage.read(e.evidence_path)
                if evidence_type(e.evidence_path) == "image/jpeg"
                else None,
            )
            for e in events
        ],
        chat=[
            ReportChat(timestamp=c.timestamp, role=c.role, name=c.name, message=c.message)
            for c in repo.list_chat(db, session_id)
        ],
        generated_at=utcnow(),
        alerts=_alerts(db, session_id, events),
        identity=_identity(db, session_id),
    )


def _identity(db: Session, session_id: str) -> ReportIdentity:
    photos = identity_store.photos(db, session_id)
    return ReportIdentity(
        threshold=THRESHOLD,
        enrolled_at=photos["enrolment"].created_at if "enrolment" in photos else None,
        reference_at=photos["reference"].created_at if "reference" in photos else None,
        checks=[
            ReportIdentityCheck(c.at, c.against, c.model, c.score, c.same_person)
            for c in identity_store.checks(db, session_id)
        ],
    )


def _alerts(db: Session, session_id: str, events: list[EventRow]) -> list[ReportAlert]:
    words = {e.id: event_words(e.type, e.detail) for e in events}
    return [
        ReportAlert(
            created_at=a["created_at"],
            event=words.get(a["event_id"], "several events"),
            channel=a["channel"],
            kind=a["kind"],
            status=a["status"],
            attempts=a["attempts"],
            sent_at=a["sent_at"],
            error=a["error"],
        )
        for a in session_alerts(db, session_id)
    ]


@router.get(
    "/report/{session_id}",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **errors(*AUTH, 404)},
)
def report(session_id: str, ctx: Ctx, db: Db, _: Interviewer) -> Response:
    """The session's PDF report: score, timeline with evidence, chat transcript."""
    from proctor.reports.pdf import render_report

    data = build_report_data(ctx, db, session_id)
    if data is None:
        raise HTTPException(404, "unknown session")
    pdf = render_report(data)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="proctor-report-{session_id}.pdf"'},
    )
