"""Login throttling that hurts whoever guesses, not the account's owner.

Failures are counted per (account, address), per address and per account. An address that keeps failing
against one account waits 15 minutes, and one that fails against many accounts waits too. An account under
attack from many addresses is never locked: each address that has failed against it may try again only after
a pause, while its owner, who has not failed from their own address, signs in as usual.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from api.errors import AppError
from bachata_common.db import LoginThrottle, User

WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
PAIR_LIMIT = 5  # failures from one address against one account before that address waits LOCKOUT
ADDRESS_LIMIT = 20  # failures from one address against any accounts before it waits LOCKOUT
UNDER_ATTACK = 10  # failures against one account, from anywhere, before failing addresses slow down
SLOWDOWN = timedelta(seconds=30)  # the pause between a failing address's attempts on an account under attack


class TooManyAttempts(AppError):
    status_code = 429
    code = "too_many_login_attempts"

    def __init__(self, retry_after: int):
        super().__init__(
            "Too many failed logins; try again later",
            headers={"Retry-After": str(retry_after)},
            details={"retry_after": retry_after},
        )


def account_of(user: User | None, identifier: str) -> str:
    """One key per account, however it is named (email or username); a stable one for names that are nobody's."""
    if user is not None:
        return f"user:{user.id}"
    return "name:" + hashlib.sha256(identifier.strip().lower().encode()).hexdigest()[:32]


def keys(account: str, address: str) -> dict[str, str]:
    address = address[:64]
    return {"pair": f"pair:{account}|{address}", "client": f"client:{address}", "account": f"account:{account}"}


def check(*, session: Session, keys: dict[str, str], now: datetime) -> None:
    """429 with Retry-After while this address waits (for this account, or for everyone)."""
    for kind in ("pair", "client"):
        row = session.get(LoginThrottle, keys[kind])
        if row is not None and row.locked_until is not None and row.locked_until > now:
            raise TooManyAttempts(max(1, math.ceil((row.locked_until - now).total_seconds())))


def _counted(session: Session, key: str, now: datetime) -> LoginThrottle:
    """The key's row, counting afresh once its window has passed."""
    row = session.get(LoginThrottle, key, with_for_update=True)
    if row is None:
        row = LoginThrottle(key=key, failures=0, window_started_at=now)
        session.add(row)
    elif now - row.window_started_at > WINDOW:
        row.failures, row.window_started_at, row.locked_until = 0, now, None
    row.failures += 1
    return row


def record_failure(*, session: Session, keys: dict[str, str], now: datetime) -> None:
    """Count a failure everywhere it counts; make the failing address wait where it has earned it."""
    account = _counted(session, keys["account"], now)
    pair = _counted(session, keys["pair"], now)
    if pair.failures >= PAIR_LIMIT:
        pair.locked_until = now + LOCKOUT
    elif account.failures >= UNDER_ATTACK:
        pair.locked_until = now + SLOWDOWN
    client = _counted(session, keys["client"], now)
    if client.failures >= ADDRESS_LIMIT:
        client.locked_until = now + LOCKOUT


def record_success(*, session: Session, keys: dict[str, str]) -> None:
    """A good login clears its own address's count for the account (not the address's overall count)."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == keys["pair"]))
