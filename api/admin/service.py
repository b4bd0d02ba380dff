"""Account roles, shared by the staff API and the `bachata-admin` command."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from api.errors import Conflict, Forbidden, NotFound
from bachata_common.db import User

PAGE_SIZE = 20


def require_staff(user: User) -> User:
    if not user.is_staff:
        raise Forbidden("Only staff can manage accounts")
    return user


def list_users(*, session: Session, search: str | None, page: int) -> tuple[list[User], int]:
    """One page of accounts, oldest first, searched in email, username and display name."""
    conditions = []
    if search and search.strip():
        pattern = f"%{search.strip().lower()}%"
        conditions.append(
            or_(*(func.lower(column).like(pattern) for column in (User.email, User.username, User.display_name)))
        )
    total = session.scalar(select(func.count()).select_from(User).where(*conditions))
    rows = session.scalars(
        select(User).where(*conditions).order_by(User.id).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    return list(rows), total


def user_by_id(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("User not found")
    return user


def user_by_email(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise NotFound(f"No account has the email {email.strip()}")
    return user


def set_roles(*, acting: User | None, user: User, is_instructor: bool | None, is_active: bool | None) -> User:
    """Change what an account may do; staff cannot lock themselves out (someone must be left to undo it)."""
    if is_active is False and acting is not None and acting.id == user.id:
        raise Conflict("You cannot deactivate your own account", details=[{"field": "is_active"}])
    if is_instructor is not None:
        user.is_instructor = is_instructor
    if is_active is not None:
        user.is_active = is_active
    return user
