"""Request and response bodies of the auth endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

USERNAME_PATTERN = r"^[\w.@+-]+$"  # Django's UnicodeUsernameValidator


class RegisterIn(BaseModel):
    email: EmailStr = Field(max_length=254)
    password: str = Field(min_length=8, max_length=256)
    display_name: str = Field(min_length=1, max_length=200)
    username: str | None = Field(None, min_length=1, max_length=150, pattern=USERNAME_PATTERN)

    @field_validator("display_name")
    @classmethod
    def _strip_display_name(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("display name must not be blank")
        return value


class LoginIn(BaseModel):
    """Log in with an email (case-insensitive) or, failing that, a username."""

    email: str | None = Field(None, max_length=254)
    username: str | None = Field(None, max_length=150)
    password: str = Field(min_length=1, max_length=256)

    @model_validator(mode="after")
    def _one_identifier(self) -> LoginIn:
        if not (self.email or self.username):
            raise ValueError("give an email or a username")
        return self

    @property
    def identifier(self) -> str:
        return (self.email or self.username or "").strip()


class RefreshIn(BaseModel):
    refresh: str = Field(min_length=1, max_length=4096)


class AccountFields(BaseModel):
    """Who an account is and what it may do: shared by a user's own view and the staff's list."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    username: str
    display_name: str
    is_instructor: bool
    is_staff: bool
    date_joined: datetime


class UserOut(AccountFields):
    preferences: dict[str, Any]


class TokenPairOut(BaseModel):
    access: str
    refresh: str
    token_type: str = "bearer"
    user: UserOut


class Preferences(BaseModel):
    """The preferences a dancer may set: known keys with typed values only (they live in the shared users row)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    auto_save_choreographies: bool = True


class MePatch(BaseModel):
    display_name: str | None = Field(None, min_length=1, max_length=200)
    preferences: Preferences | None = None


class PasswordChangeIn(BaseModel):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=8, max_length=256)
