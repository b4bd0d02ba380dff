"""JWT access and refresh tokens (HS256 only), decoded against an injected clock."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import jwt

from api.errors import InvalidToken

ALGORITHMS = ["HS256"]  # the allow-list: "none" and asymmetric algorithms are rejected by PyJWT
ISSUER = "bachata-buddy"
TokenType = Literal["access", "refresh"]


@dataclass(frozen=True)
class TokenClaims:
    """What a verified token says."""

    user_id: int
    token_type: TokenType
    token_id: uuid.UUID
    family_id: uuid.UUID
    expires_at: datetime
    password_stamp: str  # which password the login was made with (see ``password_stamp``)


def encode_token(
    *,
    user_id: int,
    token_type: TokenType,
    token_id: uuid.UUID,
    family_id: uuid.UUID,
    issued_at: datetime,
    lifetime: timedelta,
    secret: str,
    password_stamp: str,
) -> str:
    """A signed token of one type; the family ties an access token to the login it came from."""
    claims = {
        "pwd": password_stamp,
        "iss": ISSUER,
        "sub": str(user_id),
        "typ": token_type,
        "jti": str(token_id),
        "fam": str(family_id),
        "iat": int(issued_at.timestamp()),
        "exp": int((issued_at + lifetime).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHMS[0])


SKEW = timedelta(seconds=5)  # clock differences between API instances


def decode_token(
    token: str, *, expected_type: TokenType, now: datetime, secret: str, max_lifetime: timedelta
) -> TokenClaims:
    """Verify signature, issuer, type, expiry (against ``now``) and that it lives no longer than we ever issue.

    A token valid for longer than the configured lifetime was not made by us, whatever its signature says.
    """
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=ALGORITHMS,
            issuer=ISSUER,
            options={"verify_exp": False, "require": ["iss", "sub", "typ", "jti", "fam", "iat", "exp", "pwd"]},
        )
        parsed = TokenClaims(
            user_id=int(claims["sub"]),
            token_type=claims["typ"],
            token_id=uuid.UUID(claims["jti"]),
            family_id=uuid.UUID(claims["fam"]),
            expires_at=datetime.fromtimestamp(int(claims["exp"]), tz=now.tzinfo),
            password_stamp=str(claims["pwd"]),
        )
        lifetime = timedelta(seconds=int(claims["exp"]) - int(claims["iat"]))
        issued_at = datetime.fromtimestamp(int(claims["iat"]), tz=now.tzinfo)
    except (jwt.InvalidTokenError, ValueError, TypeError, OverflowError) as exc:
        raise InvalidToken("Token is invalid") from exc
    if parsed.token_type != expected_type:
        raise InvalidToken(f"Expected an {expected_type} token")
    if lifetime > max_lifetime + SKEW or issued_at > now + SKEW:
        raise InvalidToken("Token is invalid")
    if parsed.expires_at <= now:
        raise InvalidToken("Token has expired")
    return parsed


def password_stamp(password_hash: str, secret: str) -> str:
    """A fingerprint of the stored password hash (as Django's session auth hash): a token made under one
    password stops working when the password changes, in this app or in the original."""
    return hmac.new(secret.encode(), password_hash.encode(), hashlib.sha256).hexdigest()[:32]


def fingerprint(token: str) -> str:
    """SHA-256 of a token: what we store instead of the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()
