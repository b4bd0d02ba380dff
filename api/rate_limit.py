"""Requests per minute per caller (user, else client address), stricter on login and on starting renders."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from starlette.types import ASGIApp, Receive, Scope, Send

from api.auth import tokens
from api.client_address import Networks, client_address
from api.clock import Clock
from api.errors import InvalidToken, send_error

MAX_TRACKED = 50_000  # callers remembered at once; idle ones are forgotten first
LOGIN = "/api/auth/login"


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """One bucket per key: ``per_minute`` requests in a burst, refilled evenly over the minute."""

    def __init__(self, per_minute: int, now: Callable[[], float] = time.monotonic):
        self.capacity, self.rate, self.now = float(per_minute), per_minute / 60.0, now
        self.buckets: dict[str, _Bucket] = {}

    def take(self, key: str) -> float:
        """0 when the request may go ahead; otherwise the seconds until it may."""
        now = self.now()
        bucket = self.buckets.get(key)
        if bucket is None:
            if len(self.buckets) >= MAX_TRACKED:
                self._forget_idle(now)
            bucket = self.buckets[key] = _Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate

    def _forget_idle(self, now: float) -> None:
        full = [key for key, b in self.buckets.items() if b.tokens + (now - b.updated) * self.rate >= self.capacity]
        for key in full or list(self.buckets)[: len(self.buckets) // 2]:
            del self.buckets[key]


class RateLimit:
    """429 with Retry-After once a caller spends its allowance; the stricter paths have their own buckets."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        per_minute: int,
        strict: dict[str, int],
        secret: str,
        access_lifetime: timedelta,
        trusted_proxies: Networks,
        clock: Clock,
        now: Callable[[], float] = time.monotonic,
    ):
        self.app, self.secret, self.clock, self.access_lifetime = app, secret, clock, access_lifetime
        self.trusted = trusted_proxies
        self.general = TokenBuckets(per_minute, now)
        self.strict = {path: TokenBuckets(limit, now) for path, limit in strict.items()}

    def caller(self, scope: Scope) -> str:
        """The signed-in user when the access token is valid, else the client address.

        Logging in is always counted by address: a token attached to it must not buy a fresh allowance.
        """
        address = f"client:{client_address(scope, self.trusted)}"
        if scope["path"] == LOGIN:
            return address
        authorization = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer" and token:
            try:
                claims = tokens.decode_token(
                    token,
                    expected_type="access",
                    now=self.clock(),
                    secret=self.secret,
                    max_lifetime=self.access_lifetime,
                )
                return f"user:{claims.user_id}"
            except InvalidToken:
                pass  # the route answers 401; count it against the address
        return address

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/") or scope["method"] == "OPTIONS":
            await self.app(scope, receive, send)
            return
        key = self.caller(scope)
        buckets = [self.general]
        if scope["method"] == "POST" and scope["path"] in self.strict:
            buckets.append(self.strict[scope["path"]])
        wait = max(bucket.take(key) for bucket in buckets)
        if wait > 0:
            await send_error(
                send, 429, "rate_limited", "Too many requests; slow down and try again shortly",
                headers={"Retry-After": str(math.ceil(wait))},
            )  # fmt: skip
            return
        await self.app(scope, receive, send)
