"""Staff routes: list accounts, make instructors, deactivate accounts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from api.admin import service
from api.admin.schemas import AccountOut, AccountPageOut, RolesPatch
from api.auth.dependencies import CurrentUser
from api.database import DbSession
from bachata_common.db import User

router = APIRouter(prefix="/api/admin", tags=["staff"])


def _staff(user: CurrentUser) -> User:
    return service.require_staff(user)


Staff = Annotated[User, Depends(_staff)]


@router.get("/users", response_model=AccountPageOut)
def list_users(
    _: Staff,
    session: DbSession,
    search: Annotated[str | None, Query(max_length=200)] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> AccountPageOut:
    """Accounts, searchable by email, username or name (staff only)."""
    rows, total = service.list_users(session=session, search=search, page=page)
    return AccountPageOut(
        items=[AccountOut.model_validate(row) for row in rows], total=total, page=page, page_size=service.PAGE_SIZE
    )


@router.patch("/users/{user_id}", response_model=AccountOut)
def change_roles(
    user_id: Annotated[int, Path(ge=1, le=2**63 - 1)], data: RolesPatch, staff: Staff, session: DbSession
) -> AccountOut:
    """Make an account an instructor (or not), or deactivate it (staff only)."""
    user = service.user_by_id(session, user_id)
    service.set_roles(acting=staff, user=user, is_instructor=data.is_instructor, is_active=data.is_active)
    return AccountOut.model_validate(user)
