"""Short-lived signed URLs, so a <video> or <track> element can fetch without an Authorization header."""

from __future__ import annotations

import hashlib
import hmac


def signature(resource: str, expires: int, secret: str) -> str:
    """HMAC-SHA256 of "<resource>:<expires>" under the app secret."""
    message = f"{resource}:{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def valid(resource: str, expires: int, given: str, *, now: float, secret: str) -> bool:
    """True for an unexpired, untampered signature of exactly this resource."""
    return now < expires and hmac.compare_digest(signature(resource, expires, secret), given)
