"""Who is calling: the one dependency every protected route uses."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import anyio
from fastapi import Depends, Request
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
        credentials.credentials,
        expected_type="access",
        now=clock(),
        secret=settings.secret_key,
        max_lifetime=timedelta(minutes=settings.access_token_minutes),
    )
    user = session.get(User, claims.user_id)
    if user is None or not user.is_active:
        raise InvalidToken("Account is not active")
    if service.family_revoked(session=session, family_id=claims.family_id):
        raise InvalidToken("This session has been signed out")
    service.check_password_stamp(user=user, claims=claims, settings=settings)
    return user


CurrentUser = Annotated[User, Depends(current_user)]


async def user_briefly(
    request: Request,
    settings: AppSettings,
    clock: RequestClock,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """``current_user`` on a session of its own, closed before the route runs.

    For routes that then work for long without the database (an upload's ffprobe and decode): they must not
    hold a pooled connection, and other dancers' requests, while a subprocess runs.
    """
    async with request.app.state.db_slots:
        session = request.app.state.session_factory()
        try:
            user = await anyio.to_thread.run_sync(current_user, session, settings, clock, credentials)
            session.expunge(user)
            return user
        finally:
            await anyio.to_thread.run_sync(session.close)


BrieflyCheckedUser = Annotated[User, Depends(user_briefly)]
