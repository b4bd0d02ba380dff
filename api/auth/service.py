"""Accounts: registration, login, token rotation and revocation, profile updates."""

from __future__ import annotations

import hmac
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.auth import passwords, tokens
from api.auth.common_passwords import COMMON_PASSWORDS
from api.auth.schemas import MePatch, RegisterIn
from api.errors import Conflict, InvalidCredentials, InvalidToken, Unprocessable
from bachata_common.db import RefreshToken, User
from bachata_common.settings import Settings


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    user: User


def check_password_strength(password: str, *, identifiers: tuple[str, ...]) -> None:
    """Refuse passwords that are common or just the user's own name/email."""
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or password.isdigit() or len(set(password)) < 3:
        raise Unprocessable("This password is too common", details=[{"field": "password", "message": "too common"}])
    if any(lowered == ident.lower() or lowered == ident.split("@")[0].lower() for ident in identifiers if ident):
        raise Unprocessable(
            "The password is too similar to your email or username",
            details=[{"field": "password", "message": "too similar to your identity"}],
        )


def _user_by_email(session: Session, email: str) -> User | None:
    # Email is not unique in the original's table: prefer an active account, then the oldest.
    query = (
        select(User).where(func.lower(User.email) == email.lower()).order_by(User.is_active.desc(), User.id).limit(1)
    )
    return session.scalars(query).first()


def register(*, session: Session, data: RegisterIn, settings: Settings, now: datetime) -> User:
    """Create an active user with a Django-compatible hash; the username defaults to the email."""
    email = data.email.strip()
    username = data.username or email
    check_password_strength(data.password, identifiers=(email, username, data.display_name))
    if _user_by_email(session, email) is not None:
        raise Conflict("An account with this email already exists", details=[{"field": "email"}])
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict("This username is taken", details=[{"field": "username"}])
    user = User(
        password=passwords.make_password(data.password, iterations=settings.password_iterations),
        username=username,
        email=email,
        display_name=data.display_name,
        date_joined=now,
        preferences={"auto_save_choreographies": True},
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent registration won the username
        raise Conflict("This username is taken", details=[{"field": "username"}]) from exc
    return user


def authenticate(*, session: Session, identifier: str, password: str, settings: Settings, now: datetime) -> User:
    """The user these credentials belong to; the same error and timing for every kind of failure."""
    user = _user_by_email(session, identifier)
    if user is None:
        user = session.scalar(select(User).where(User.username == identifier))
    if user is None or not passwords.is_usable(user.password):
        passwords.spend_hash_time(password, iterations=settings.password_iterations)
        raise InvalidCredentials()
    if not passwords.check_password(password, user.password) or not user.is_active:
        raise InvalidCredentials()
    if passwords.needs_rehash(user.password, iterations=settings.password_iterations):
        user.password = passwords.make_password(password, iterations=settings.password_iterations)
    user.last_login = now
    return user


def issue_tokens(
    *, session: Session, user: User, settings: Settings, now: datetime, family_id: uuid.UUID | None = None
) -> TokenPair:
    """A fresh access + refresh pair; the refresh token is stored only as a hash."""
    family_id = family_id or uuid.uuid4()
    refresh_id = uuid.uuid4()
    refresh_lifetime = timedelta(days=settings.refresh_token_days)
    refresh = tokens.encode_token(
        user_id=user.id,
        token_type="refresh",
        token_id=refresh_id,
        family_id=family_id,
        issued_at=now,
        lifetime=refresh_lifetime,
        secret=settings.secret_key,
    )
    access = tokens.encode_token(
        user_id=user.id,
        token_type="access",
        token_id=uuid.uuid4(),
        family_id=family_id,
        issued_at=now,
        lifetime=timedelta(minutes=settings.access_token_minutes),
        secret=settings.secret_key,
    )
    session.add(
        RefreshToken(
            id=refresh_id,
            user_id=user.id,
            family_id=family_id,
            token_hash=tokens.fingerprint(refresh),
            issued_at=now,
            expires_at=now + refresh_lifetime,
        )
    )
    return TokenPair(access=access, refresh=refresh, user=user)


def _stored_refresh(*, session: Session, token: str, settings: Settings, now: datetime) -> RefreshToken:
    claims = tokens.decode_token(token, expected_type="refresh", now=now, secret=settings.secret_key)
    stored = session.get(RefreshToken, claims.token_id, with_for_update=True)
    if stored is None or not hmac.compare_digest(stored.token_hash, tokens.fingerprint(token)):
        raise InvalidToken("Refresh token is not recognised")
    return stored


def revoke_family(*, session: Session, family_id: uuid.UUID, now: datetime) -> None:
    """Revoke every token of one login (its refresh chain and the access tokens tied to it)."""
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def rotate_refresh(*, session: Session, token: str, settings: Settings, now: datetime) -> TokenPair:
    """Exchange a refresh token for a new pair; presenting a rotated one revokes its whole family."""
    stored = _stored_refresh(session=session, token=token, settings=settings, now=now)
    if stored.revoked_at is not None:
        raise InvalidToken("Refresh token has been revoked")
    if stored.rotated_at is not None:
        revoke_family(session=session, family_id=stored.family_id, now=now)
        # Commit now: the request fails, and the revocation must survive the rollback that follows.
        session.commit()
        raise InvalidToken("Refresh token was already used; this session has been signed out")
    user = session.get(User, stored.user_id)
    if user is None or not user.is_active:
        raise InvalidToken("Account is not active")
    stored.rotated_at = now
    return issue_tokens(session=session, user=user, settings=settings, now=now, family_id=stored.family_id)


def logout(*, session: Session, token: str, settings: Settings, now: datetime) -> None:
    """Revoke the login this refresh token belongs to."""
    stored = _stored_refresh(session=session, token=token, settings=settings, now=now)
    revoke_family(session=session, family_id=stored.family_id, now=now)


def family_revoked(*, session: Session, family_id: uuid.UUID) -> bool:
    """True once a login has been revoked (logout or refresh reuse)."""
    query = select(RefreshToken.id).where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_not(None))
    return session.scalar(query.limit(1)) is not None


def update_profile(*, user: User, changes: MePatch) -> User:
    """Apply a profile patch: display name, and preferences merged over the stored ones."""
    if changes.display_name is not None:
        display_name = changes.display_name.strip()
        if not display_name:
            raise Unprocessable("Display name must not be blank", details=[{"field": "display_name"}])
        user.display_name = display_name
    if changes.preferences is not None:
        # A new dict, so the ORM sees the JSON column change.
        user.preferences = {**(user.preferences or {}), **changes.preferences.model_dump(exclude_unset=True)}
    return user
