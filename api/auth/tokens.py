"""JWT access and refresh tokens (HS256 only), decoded against an injected clock."""

from __future__ import annotations

import hashlib
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


def encode_token(
    *,
    user_id: int,
    token_type: TokenType,
    token_id: uuid.UUID,
    family_id: uuid.UUID,
    issued_at: datetime,
    lifetime: timedelta,
    secret: str,
) -> str:
    """A signed token of one type; the family ties an access token to the login it came from."""
    claims = {
        "iss": ISSUER,
        "sub": str(user_id),
        "typ": token_type,
        "jti": str(token_id),
        "fam": str(family_id),
        "iat": int(issued_at.timestamp()),
        "exp": int((issued_at + lifetime).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHMS[0])


def decode_token(token: str, *, expected_type: TokenType, now: datetime, secret: str) -> TokenClaims:
    """Verify signature, issuer, type and expiry (against ``now``, not the wall clock)."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=ALGORITHMS,
            issuer=ISSUER,
            options={"verify_exp": False, "require": ["iss", "sub", "typ", "jti", "fam", "iat", "exp"]},
        )
        parsed = TokenClaims(
            user_id=int(claims["sub"]),
            token_type=claims["typ"],
            token_id=uuid.UUID(claims["jti"]),
            family_id=uuid.UUID(claims["fam"]),
            expires_at=datetime.fromtimestamp(int(claims["exp"]), tz=now.tzinfo),
        )
    except (jwt.InvalidTokenError, ValueError, TypeError) as exc:
        raise InvalidToken("Token is invalid") from exc
    if parsed.token_type != expected_type:
        raise InvalidToken(f"Expected an {expected_type} token")
    if parsed.expires_at <= now:
        raise InvalidToken("Token has expired")
    return parsed


def fingerprint(token: str) -> str:
    """SHA-256 of a token: what we store instead of the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()
