"""Login lockout: after repeated failures an account (or a client address) waits before trying again."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from api.errors import AppError
from bachata_common.db import LoginThrottle

WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
LIMITS = {"account": 5, "client": 20}  # failures within WINDOW before a lockout


class TooManyAttempts(AppError):
    status_code = 429
    code = "too_many_login_attempts"

    def __init__(self, retry_after: int):
        super().__init__(
            "Too many failed logins; try again later",
            headers={"Retry-After": str(retry_after)},
            details={"retry_after": retry_after},
        )


def keys(identifier: str, client: str | None) -> dict[str, str]:
    found = {"account": f"account:{identifier.strip().lower()[:300]}"}
    if client:
        found["client"] = f"client:{client[:300]}"
    return found


def check(*, session: Session, keys: dict[str, str], now: datetime) -> None:
    """429 with Retry-After while the account or the client is locked out."""
    for key in keys.values():
        row = session.get(LoginThrottle, key)
        if row is not None and row.locked_until is not None and row.locked_until > now:
            raise TooManyAttempts(max(1, math.ceil((row.locked_until - now).total_seconds())))


def record_failure(*, session: Session, keys: dict[str, str], now: datetime) -> None:
    """Count a failure for the account and the client; lock whichever reaches its limit."""
    for kind, key in keys.items():
        row = session.get(LoginThrottle, key, with_for_update=True)
        if row is None or now - row.window_started_at > WINDOW:
            if row is None:
                row = LoginThrottle(key=key, failures=0, window_started_at=now)
                session.add(row)
            row.failures, row.window_started_at, row.locked_until = 0, now, None
        row.failures += 1
        if row.failures >= LIMITS[kind]:
            row.locked_until = now + LOCKOUT


def record_success(*, session: Session, keys: dict[str, str]) -> None:
    """A good login clears the account's count (not the client's: one good password must not reset guessing)."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == keys["account"]))
