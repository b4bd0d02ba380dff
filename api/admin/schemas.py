"""Staff API shapes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from api.auth.schemas import AccountFields


class AccountOut(AccountFields):
    is_active: bool


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
