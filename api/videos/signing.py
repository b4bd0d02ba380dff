"""Short-lived signed URLs, so a <video> or <track> element can fetch without an Authorization header."""

from __future__ import annotations

import hashlib
import hmac


def signature(resource: str, expires: int, secret: str) -> str:
    """HMAC-SHA256 of "<resource>:<expires>" under the app secret."""
    message = f"{resource}:{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def valid(resource: str, expires: int, given: str, *, now: float, secret: str, max_seconds: int) -> bool:
    """True for an unexpired, untampered signature of exactly this resource that we could have issued.

    A link valid for longer than links are ever issued for was not made by us, whatever its signature says.
    """
    fresh = now < expires <= now + max_seconds + 5
    return fresh and hmac.compare_digest(signature(resource, expires, secret), given)
