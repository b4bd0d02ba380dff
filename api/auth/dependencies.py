"""Who is calling: the one dependency every protected route uses."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.auth import service, tokens
from api.clock import RequestClock
from api.database import DbSession
from api.errors import InvalidToken, Unauthorized
from api.settings import AppSettings
from bachata_common.db import User

_bearer = HTTPBearer(auto_error=False, description="Access token from /api/auth/login")


def current_user(
    session: DbSession,
    settings: AppSettings,
    clock: RequestClock,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """The active user behind a valid, unrevoked access token; 401 otherwise."""
    if credentials is None:
        raise Unauthorized()
    claims = tokens.decode_token(
        credentials.credentials, expected_type="access", now=clock(), secret=settings.secret_key
    )
    user = session.get(User, claims.user_id)
    if user is None or not user.is_active:
        raise InvalidToken("Account is not active")
    if service.family_revoked(session=session, family_id=claims.family_id):
        raise InvalidToken("This session has been signed out")
    return user


CurrentUser = Annotated[User, Depends(current_user)]
