"""Identity: the candidate's enrolment photo, the interviewer's reference photo, the checks.

Photos are judged in the analysis pool (the models live there; in this process when live
analysis is off) and stored as evidence files of
the session, deleted with it. Face descriptors stay in the database: no answer carries them.
"""

from __future__ import annotations

import threading
from typing import Any, Literal

import anyio
from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel

from proctor.api.deps import Ctx, Db, Interviewer, Member
from proctor.api.errors import AUTH, errors
from proctor.api.limits import BoundedRoute
from proctor.db import identity as store
from proctor.db import repo
from proctor.identity.monitor import BASELINES, THRESHOLD, status_message
from proctor.identity.window import CheckWindow, Status
from proctor.identity.worker import MODEL, EnrolResult
from proctor.identity.worker import enrol as judge
from proctor.realtime.gate import Kind
from proctor.realtime.pool import FrameRefused
from proctor.shapes.views import iso
from proctor.vision.detectors.base import ModelMissingError
from proctor.vision.frames import FrameError

router = APIRouter(tags=["identity"], route_class=BoundedRoute)

PHOTO_BODY_BYTES = 10 * 1024 * 1024  # the server's max_image_bytes default
PHOTO_BODY = {
    "requestBody": {
        "required": True,
        "description": "A JPEG, PNG or WebP photo",
        "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
    }
}
Kind_ = Literal["enrolment", "reference"]


class PhotoOut(BaseModel):
    accepted: bool
    problem: Literal["no_face", "not_alone", "too_small", "too_dark", "blurred"] | None
    message: str
    faces: int
    box: list[float] | None
    width: int
    height: int


class CheckOut(BaseModel):
    at: str
    against: Kind_
    model: Literal["faceres", "dlib"]  # faceres accepted the face, or dlib decided
    score: float
    same_person: bool


class StoredPhotoOut(BaseModel):
    taken_at: str
    photo_url: str
    # Presentation-attack models' scores: advice only (docs/EVALUATION.md, "Spoofing")
    spoof: dict[str, float]


class IdentityOut(BaseModel):
    session_id: str
    status: Literal["not_enrolled", "pending", "verified", "uncertain", "unverified"]
    threshold: float
    enrolment: StoredPhotoOut | None
    reference: StoredPhotoOut | None
    checks: list[CheckOut]
    mismatches: int


async def _photo(request: Request, ctx: Ctx, session_id: str, kind: Kind_) -> dict[str, Any]:
    data = await request.body()
    if not data:
        raise HTTPException(400, "send the photo as the request body")

    def active() -> bool | None:
        with ctx.sessions() as db:
            row = repo.get_session(db, session_id)
            return None if row is None else row.status == "active"

    state = await anyio.to_thread.run_sync(active)
    if state is None:
        raise HTTPException(404, "unknown session")
    if not state:
        raise HTTPException(409, "the session has ended")
    spoof = kind == "enrolment"
    try:
        if ctx.pool.ready:
            async with ctx.pool.turn(Kind.FACES):  # someone is waiting for the answer
                result: EnrolResult = await ctx.pool.enrol_in_turn(data, spoof=spoof)
        else:
            result = await anyio.to_thread.run_sync(_enrol_here, ctx, data, spoof)
    except (FrameRefused, FrameError) as exc:
        code = 413 if exc.code == "too_large" else 400
        raise HTTPException(code, f"not a usable image: {exc}") from None
    except ModelMissingError as exc:
        raise HTTPException(503, f"identity photos cannot be checked: {exc}") from None
    if result.problem is None and result.embedding is not None and result.box is not None:
        embedding, box = result.embedding, result.box

        def save() -> None:
            path = ctx.storage.save_evidence(session_id, data)
            with ctx.sessions() as db:
                old = store.put_photo(
                    db,
                    session_id,
                    kind,
                    path=path,
                    model=MODEL,
                    embedding=embedding,
                    screen_embedding=result.screen_embedding,
                    box=box,
                    spoof=result.spoof,
                )
            if old is not None and (stale := ctx.storage.resolve(old)) is not None:
                stale.unlink(missing_ok=True)  # only the latest photo is kept

        await anyio.to_thread.run_sync(save)
        await _announce(ctx, session_id)
    return {
        "accepted": result.problem is None,
        "problem": result.problem,
        "message": result.message,
        "faces": result.faces,
        "box": result.box,
        "width": result.width,
        "height": result.height,
    }


_here = threading.Lock()  # the models of this process are loaded and run by one thread at a time


def _enrol_here(ctx: Ctx, data: bytes, spoof: bool) -> EnrolResult:
    """The photo judged in this process, when live analysis (the worker pool) is off: rare
    enough that the models loading here on first use costs nothing the rest of the time."""
    s = ctx.settings
    with _here:
        return judge(data, max_bytes=s.max_image_bytes, max_side=s.max_image_side, spoof=spoof)


async def _announce(ctx: Ctx, session_id: str) -> None:
    """Tell the interviewers that a photo is there (the badge leaves "no photo yet")."""

    def load() -> dict[str, Any]:
        with ctx.sessions() as db:
            photos = store.photos(db, session_id)
            checks = store.checks(db, session_id)
        status, mismatches = _status(checks, True, ctx.settings)
        against = next(k for k in BASELINES if k in photos)
        last = checks[-1] if checks else None
        return status_message(
            session_id,
            status,
            last.model if last else MODEL,
            last.score if last else None,
            last.at if last else None,
            against,
            len(checks),
            mismatches,
            dict(photos[against].spoof or {}),
        )

    await ctx.hub.emit_identity(session_id, await anyio.to_thread.run_sync(load))


PHOTO_ERRORS = errors(400, *AUTH, 404, 409, 503)


@router.post(
    "/sessions/{session_id}/enrolment",
    response_model=PhotoOut,
    responses=PHOTO_ERRORS,
    openapi_extra=PHOTO_BODY,
    max_body_size=PHOTO_BODY_BYTES,
)
async def enrol(session_id: str, request: Request, ctx: Ctx, who: Member) -> dict[str, Any]:
    """The candidate's enrolment photo: kept when ``accepted``, else ``problem`` says what to
    change (the face is missing, not alone, too small, too dark or blurred)."""
    if who.role != "candidate":
        raise HTTPException(403, "only the candidate may enrol")
    return await _photo(request, ctx, session_id, "enrolment")


@router.post(
    "/sessions/{session_id}/reference",
    response_model=PhotoOut,
    responses=PHOTO_ERRORS,
    openapi_extra=PHOTO_BODY,
    max_body_size=PHOTO_BODY_BYTES,
)
async def reference(session_id: str, request: Request, ctx: Ctx, _: Interviewer) -> dict[str, Any]:
    """The interviewer's reference photo of the candidate (an ID photo); live checks compare
    with it until the candidate enrols."""
    return await _photo(request, ctx, session_id, "reference")


def _status(checks: list[Any], enrolled: bool, settings: Any) -> tuple[str, int]:
    if not enrolled:
        return "not_enrolled", 0
    window = CheckWindow(0, settings.identity_window, settings.identity_mismatches)
    for check in checks:
        window.add(check.same_person)
    status: Status = window.status
    return status, window.mismatches


@router.get(
    "/sessions/{session_id}/identity", response_model=IdentityOut, responses=errors(*AUTH, 404)
)
def identity(session_id: str, ctx: Ctx, db: Db, _: Interviewer) -> dict[str, Any]:
    """The photos (links, time, spoofing advice) and every check, oldest first."""
    if repo.get_session(db, session_id) is None:
        raise HTTPException(404, "unknown session")
    photos = store.photos(db, session_id)
    checks = store.checks(db, session_id)
    status, mismatches = _status(checks, bool(photos), ctx.settings)
    return {
        "session_id": session_id,
        "status": status,
        "threshold": THRESHOLD,
        **{
            kind: None
            if (row := photos.get(kind)) is None
            else {
                "taken_at": iso(row.created_at),
                "photo_url": f"/sessions/{session_id}/identity/{kind}/photo",
                "spoof": row.spoof or {},
            }
            for kind in BASELINES
        },
        "checks": [
            {
                "at": iso(c.at),
                "against": c.against,
                "model": c.model,
                "score": c.score,
                "same_person": c.same_person,
            }
            for c in checks
        ],
        "mismatches": mismatches,
    }


@router.get(
    "/sessions/{session_id}/identity/{kind}/photo",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}, **errors(*AUTH, 404)},
)
def photo(session_id: str, kind: Kind_, ctx: Ctx, db: Db, _: Interviewer) -> Response:
    """The enrolment or reference photo, as stored: the interviewer's only."""
    row = store.get_photo(db, session_id, kind)
    data = ctx.storage.read(row.path) if row is not None else None
    if data is None:
        raise HTTPException(404, f"this session has no {kind} photo")
    media = "image/png" if data[:4] == b"\x89PNG" else "image/jpeg"
    if data[:4] == b"RIFF":
        media = "image/webp"
    return Response(data, media_type=media, headers={"Cache-Control": "private, max-age=3600"})
