"""Django-compatible ``pbkdf2_sha256`` password hashes, on hashlib, so both apps log the same users in."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import string

ALGORITHM = "pbkdf2_sha256"
UNUSABLE_PREFIX = "!"
_SALT_ALPHABET = string.ascii_letters + string.digits
_SALT_LENGTH = 22  # Django's 128 bits of salt entropy over 62 symbols


def _digest(password: str, salt: str, iterations: int) -> str:
    raw = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return base64.b64encode(raw).decode("ascii").strip()


def make_password(password: str, *, iterations: int, salt: str | None = None) -> str:
    """Hash a password in Django's format: ``pbkdf2_sha256$<iterations>$<salt>$<base64 digest>``."""
    salt = salt or "".join(secrets.choice(_SALT_ALPHABET) for _ in range(_SALT_LENGTH))
    if "$" in salt:
        raise ValueError("salt must not contain '$'")
    return f"{ALGORITHM}${iterations}${salt}${_digest(password, salt, iterations)}"


def _split(encoded: str) -> tuple[int, str, str] | None:
    """(iterations, salt, digest) of a usable pbkdf2_sha256 hash, else None."""
    if not encoded or encoded.startswith(UNUSABLE_PREFIX):
        return None
    parts = encoded.split("$")
    if len(parts) != 4 or parts[0] != ALGORITHM or not parts[1].isdigit() or int(parts[1]) < 1:
        return None
    return int(parts[1]), parts[2], parts[3]


def is_usable(encoded: str) -> bool:
    """False for Django's unusable passwords (``!…``) and anything that is not a pbkdf2_sha256 hash."""
    return _split(encoded) is not None


def check_password(password: str, encoded: str) -> bool:
    """True when ``password`` matches ``encoded``, at the iteration count stored in the hash."""
    parsed = _split(encoded)
    if parsed is None:
        return False
    iterations, salt, digest = parsed
    return hmac.compare_digest(_digest(password, salt, iterations).encode(), digest.encode())


def needs_rehash(encoded: str, *, iterations: int) -> bool:
    """True for usable hashes weaker than the configured work factor (Django upgrades them on login)."""
    parsed = _split(encoded)
    return parsed is not None and parsed[0] < iterations


def spend_hash_time(password: str, *, iterations: int) -> None:
    """Do the work of one check, so an unknown login answers as slowly as a known one."""
    _digest(password, "timing-equaliser-salt", iterations)
