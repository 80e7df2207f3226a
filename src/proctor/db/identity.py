"""Repository functions of identity photos and checks (see repo.py's rules)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from proctor.db.models import IdentityCheckRow, IdentityPhotoRow, utcnow


def get_photo(db: Session, session_id: str, kind: str) -> IdentityPhotoRow | None:
    return db.execute(
        select(IdentityPhotoRow).where(
            IdentityPhotoRow.session_id == session_id, IdentityPhotoRow.kind == kind
        )
    ).scalar_one_or_none()


def photos(db: Session, session_id: str) -> dict[str, IdentityPhotoRow]:
    rows = db.execute(select(IdentityPhotoRow).where(IdentityPhotoRow.session_id == session_id))
    return {row.kind: row for row in rows.scalars()}


def put_photo(
    db: Session,
    session_id: str,
    kind: str,
    *,
    path: str,
    model: str,
    embedding: bytes,
    screen_embedding: bytes | None,
    box: list[float],
    spoof: dict[str, Any],
) -> str | None:
    """Store the session's photo of ``kind``, replacing the last one; returns the replaced
    photo's file path (for the caller to delete), or None."""
    row = get_photo(db, session_id, kind)
    old = None
    if row is None:
        row = IdentityPhotoRow(session_id=session_id, kind=kind)
        db.add(row)
    else:
        old = row.path
    row.path, row.model, row.embedding, row.box, row.spoof = path, model, embedding, box, spoof
    row.screen_embedding = screen_embedding
    row.created_at = utcnow()
    db.commit()
    return old


def add_check(
    db: Session,
    session_id: str,
    *,
    at: datetime,
    against: str,
    model: str,
    score: float,
    same_person: bool,
) -> IdentityCheckRow:
    row = IdentityCheckRow(
        session_id=session_id,
        at=at,
        against=against,
        model=model,
        score=score,
        same_person=same_person,
    )
    db.add(row)
    db.commit()
    return row


def checks(db: Session, session_id: str) -> list[IdentityCheckRow]:
    return list(
        db.execute(
            select(IdentityCheckRow)
            .where(IdentityCheckRow.session_id == session_id)
            .order_by(IdentityCheckRow.at, IdentityCheckRow.id)
        ).scalars()
    )
