"""Checks at the door, before a route reads anything: control characters, and uploads without a token.

NUL bytes break PostgreSQL text (a 500 where there should be a 422) and no control character belongs in a
dance app's input, so JSON bodies, paths and query strings carrying one are refused. An upload is read only
for a caller whose access token verifies: an anonymous 20 MB body is turned away before a byte of it is read.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import tokens
from api.errors import InvalidToken, send_error

ALLOWED_CONTROLS = "\t\n\r"


def has_control_characters(text: str) -> bool:
    return any((ord(c) < 32 and c not in ALLOWED_CONTROLS) or ord(c) == 127 for c in text)


def _strings(value: Any):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def bearer_user(scope: Scope, *, secret: str, lifetime: timedelta, now: datetime) -> int | None:
    """The user id of a verifying access token in the request's Authorization header, if any."""
    authorization = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    try:
        claims = tokens.decode_token(token, expected_type="access", now=now, secret=secret, max_lifetime=lifetime)
    except InvalidToken:
        return None
    return claims.user_id


class InputGuards:
    """422 for control characters in the URL or a JSON body; 401 for an upload without a valid token."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        upload_paths: tuple[str, ...],
        secret: str,
        access_lifetime: timedelta,
        clock: Callable[[], datetime],
    ):
        self.app, self.upload_paths = app, upload_paths
        self.secret, self.lifetime, self.clock = secret, access_lifetime, clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        query = unquote(scope.get("query_string", b"").decode("latin-1"))
        if has_control_characters(scope["path"]) or has_control_characters(query):
            await _refuse_text(send)
            return
        uploading = scope["method"] == "POST" and scope["path"] in self.upload_paths
        if uploading and bearer_user(scope, secret=self.secret, lifetime=self.lifetime, now=self.clock()) is None:
            await send_error(send, 401, "not_authenticated", "Sign in to upload songs")
            return
        content_type = dict(scope["headers"]).get(b"content-type", b"").decode("latin-1")
        if scope["method"] in ("POST", "PUT", "PATCH") and content_type.startswith("application/json"):
            body, more = b"", True
            while more:  # the body limit outside this guard stops an endless one
                message = await receive()
                body += message.get("body", b"")
                more = message.get("more_body", False)
            try:
                bad = any(has_control_characters(text) for text in _strings(json.loads(body or b"null")))
            except (ValueError, UnicodeDecodeError):
                bad = False  # malformed JSON: the route's own validation answers it
            if bad:
                await _refuse_text(send)
                return
            receive = _replay(body)
        await self.app(scope, receive, send)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


async def _refuse_text(send: Send) -> None:
    await send_error(send, 422, "validation_error", "Text must not contain control characters")
