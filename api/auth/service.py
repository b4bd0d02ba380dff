"""Accounts: registration, login, token rotation and revocation, profile updates."""

from __future__ import annotations

import hashlib
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


USERNAME_LENGTH = 150  # users.username is varchar(150); emails may be up to 254


def _username_for(email: str) -> str:
    """The email as username, as the original does; a long one is cut and made unique by its hash."""
    if len(email) <= USERNAME_LENGTH:
        return email
    return f"{email[: USERNAME_LENGTH - 17]}-{hashlib.sha256(email.encode()).hexdigest()[:16]}"


def register(*, session: Session, data: RegisterIn, settings: Settings, now: datetime) -> User:
    """Create an active user with a Django-compatible hash; the username defaults to the email."""
    email = data.email.strip().lower()  # stored lowercased: the original looks emails up as lower(typed)
    username = data.username or _username_for(email)
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


def find_login_user(*, session: Session, identifier: str) -> User | None:
    """The account an email (any case) or username names, if any."""
    return _user_by_email(session, identifier) or session.scalar(select(User).where(User.username == identifier))


def authenticate(*, user: User | None, password: str, settings: Settings, now: datetime) -> User:
    """The user if the password is theirs; the same error and timing for every kind of failure."""
    if user is None or not passwords.is_usable(user.password):
        passwords.spend_hash_time(password, iterations=settings.password_iterations)
        raise InvalidCredentials()
    if not passwords.check_password(password, user.password) or not user.is_active:
        raise InvalidCredentials()
    if passwords.needs_rehash(user.password, iterations=settings.password_iterations):
        user.password = passwords.make_password(password, iterations=settings.password_iterations)
    user.last_login = now
    return user


ROTATION_GRACE = timedelta(seconds=10)  # two tabs refreshing at once both get the pair the first one got


def _successor(token_id: uuid.UUID) -> uuid.UUID:
    """The id of the refresh token that replaces ``token_id``: derived, so the same rotation makes the same pair."""
    return uuid.uuid5(token_id, "rotated")


def issue_tokens(
    *,
    session: Session,
    user: User,
    settings: Settings,
    now: datetime,
    family_id: uuid.UUID | None = None,
    refresh_id: uuid.UUID | None = None,
    stored: bool = False,
) -> TokenPair:
    """An access + refresh pair; the refresh token is stored only as a hash (unless ``stored`` already).

    Tokens are deterministic in their ids, time and password: the pair a rotation made can be made again.
    """
    family_id = family_id or uuid.uuid4()
    refresh_id = refresh_id or uuid.uuid4()
    refresh_lifetime = timedelta(days=settings.refresh_token_days)
    stamp = tokens.password_stamp(user.password, settings.secret_key)
    refresh = tokens.encode_token(
        user_id=user.id,
        token_type="refresh",
        token_id=refresh_id,
        family_id=family_id,
        issued_at=now,
        lifetime=refresh_lifetime,
        secret=settings.secret_key,
        password_stamp=stamp,
    )
    access = tokens.encode_token(
        user_id=user.id,
        token_type="access",
        token_id=uuid.uuid5(refresh_id, "access"),
        family_id=family_id,
        issued_at=now,
        lifetime=timedelta(minutes=settings.access_token_minutes),
        secret=settings.secret_key,
        password_stamp=stamp,
    )
    if not stored:
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


def check_password_stamp(*, user: User, claims: tokens.TokenClaims, settings: Settings) -> None:
    """401 when the token was made under a password the user no longer has (changed here or in the original)."""
    if not hmac.compare_digest(claims.password_stamp, tokens.password_stamp(user.password, settings.secret_key)):
        raise InvalidToken("The password has changed since this sign-in; sign in again")


def _stored_refresh(*, session: Session, token: str, settings: Settings, now: datetime) -> RefreshToken:
    claims = tokens.decode_token(
        token,
        expected_type="refresh",
        now=now,
        secret=settings.secret_key,
        max_lifetime=timedelta(days=settings.refresh_token_days),
    )
    stored = session.get(RefreshToken, claims.token_id, with_for_update=True)
    if stored is None or not hmac.compare_digest(stored.token_hash, tokens.fingerprint(token)):
        raise InvalidToken("Refresh token is not recognised")
    user = session.get(User, stored.user_id)
    if user is None or not user.is_active:
        raise InvalidToken("Account is not active")
    check_password_stamp(user=user, claims=claims, settings=settings)
    return stored


def change_password(
    *, session: Session, user: User, current: str, new: str, settings: Settings, now: datetime
) -> TokenPair:
    """Set a new password after checking the current one; every other sign-in ends, this one gets new tokens."""
    if not passwords.check_password(current, user.password):
        raise Unprocessable("The current password is not right", details=[{"field": "current_password"}])
    if new == current:
        raise Unprocessable("Choose a password you have not been using", details=[{"field": "new_password"}])
    check_password_strength(new, identifiers=(user.email, user.username, user.display_name))
    user.password = passwords.make_password(new, iterations=settings.password_iterations)
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return issue_tokens(session=session, user=user, settings=settings, now=now)


def revoke_family(*, session: Session, family_id: uuid.UUID, now: datetime) -> None:
    """Revoke every token of one login (its refresh chain and the access tokens tied to it)."""
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def rotate_refresh(*, session: Session, token: str, settings: Settings, now: datetime) -> TokenPair:
    """Exchange a refresh token for a new pair; presenting a rotated one revokes its whole family.

    Within a few seconds of its rotation the same token gets the same new pair again: two tabs refreshing at
    once are one dancer, not a thief.
    """
    stored = _stored_refresh(session=session, token=token, settings=settings, now=now)
    if stored.revoked_at is not None:
        raise InvalidToken("Refresh token has been revoked")
    user = session.get(User, stored.user_id)
    successor = {"family_id": stored.family_id, "refresh_id": _successor(stored.id)}
    if stored.rotated_at is not None:
        if now - stored.rotated_at <= ROTATION_GRACE:
            again = {"now": stored.rotated_at, "stored": True}
            return issue_tokens(session=session, user=user, settings=settings, **successor, **again)
        revoke_family(session=session, family_id=stored.family_id, now=now)
        # Commit now: the request fails, and the revocation must survive the rollback that follows.
        session.commit()
        raise InvalidToken("Refresh token was already used; this session has been signed out")
    stored.rotated_at = now
    return issue_tokens(session=session, user=user, settings=settings, now=now, **successor)


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
