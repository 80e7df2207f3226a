"""FastAPI dependencies as ``Annotated`` aliases: app context, database session, token auth."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from proctor.config import Settings
from proctor.context import AppContext
from proctor.db import repo
from proctor.db.repo import Principal

_bearer = HTTPBearer(auto_error=False, description="The interviewer's or candidate's token")


def get_context(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


def get_settings(ctx: Annotated[AppContext, Depends(get_context)]) -> Settings:
    return ctx.settings


def get_db(ctx: Annotated[AppContext, Depends(get_context)]) -> Iterator[Session]:
    with ctx.sessions() as db:
        yield db


Ctx = Annotated[AppContext, Depends(get_context)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
Db = Annotated[Session, Depends(get_db)]


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})


def get_principal(
    db: Db, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthorized("missing token: send Authorization: Bearer <token>")
    principal = repo.principal_for_token(db, credentials.credentials)
    # End the read so the request holds no pooled connection while it awaits other work
    # (many concurrent requests would otherwise exhaust the pool and wait on each other).
    db.rollback()
    if principal is None:
        raise _unauthorized("invalid token")
    return principal


def get_optional_principal(
    db: Db, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal | None:
    if credentials is None:
        return None
    return get_principal(db, credentials)


AnyToken = Annotated[Principal, Depends(get_principal)]
OptionalToken = Annotated[Principal | None, Depends(get_optional_principal)]


def check_access(principal: Principal, session_id: str, role: str | None = None) -> None:
    """403 for another session's token (no hint whether it exists) or the wrong role."""
    if principal.session_id != session_id:
        raise HTTPException(403, "this token does not give access to that session")
    if role is not None and principal.role != role:
        raise HTTPException(403, f"only the {role} may do this")


def _member(principal: AnyToken, session_id: Annotated[str, Path(max_length=64)]) -> Principal:
    check_access(principal, session_id)
    return principal


def _interviewer(principal: AnyToken, session_id: Annotated[str, Path(max_length=64)]) -> Principal:
    check_access(principal, session_id, "interviewer")
    return principal


Member = Annotated[Principal, Depends(_member)]
Interviewer = Annotated[Principal, Depends(_interviewer)]
