"""Staff API shapes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class AccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    username: str
    display_name: str
    is_instructor: bool
    is_active: bool
    is_staff: bool
    date_joined: datetime


class AccountPageOut(BaseModel):
    items: list[AccountOut]
    total: int
    page: int
    page_size: int


class RolesPatch(BaseModel):
    """Only the roles staff may change; anything else is refused."""

    model_config = ConfigDict(extra="forbid", strict=True)

    is_instructor: bool | None = None
    is_active: bool | None = None
