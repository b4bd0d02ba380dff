"""Security headers on every response: a Content-Security-Policy fitted to what the response is, and no caching
of anything private.

Pages get a policy that allows only their own files (the app's scripts, the API docs' bundled Swagger UI, the
plan export's one inline style by its hash); everything else (JSON, media) may load nothing at all. No page may
be framed. API responses are personal by default, so none is stored by a browser or a proxy unless the route
says otherwise.
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Signed video links point at the bucket when storage is GCS.
BUCKET_ORIGIN = "https://storage.googleapis.com"
NOTHING = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
APP_PAGE = (
    f"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: {BUCKET_ORIGIN}; "
    f"media-src 'self' blob: {BUCKET_ORIGIN}; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_PAGE = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
EXPORT_PATH = re.compile(r"^/api/class-plans/[^/]+/export$")
DOCS_ASSETS = "/api/docs/assets/"
ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def style_hash(css: str) -> str:
    """The CSP source that allows exactly this inline <style> block."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'"


def inline_style_page(css: str) -> str:
    """A page policy that runs no script and allows one inline style (the plan export)."""
    return f"{NOTHING}; style-src {style_hash(css)}"


class SecurityHeaders:
    """Adds ``ALWAYS``, the fitting CSP, no-store on API responses, and HSTS when told the site is HTTPS-only."""

    def __init__(self, app: ASGIApp, *, export_policy: str, strict_transport: bool):
        self.app, self.export_policy, self.strict_transport = app, export_policy, strict_transport

    def policy(self, path: str, content_type: str) -> str:
        if path == "/api/docs" or path.startswith("/api/docs/"):
            return DOCS_PAGE
        if EXPORT_PATH.match(path):
            return self.export_policy
        if content_type.startswith("text/html") and not path.startswith("/api/"):
            return APP_PAGE
        return NOTHING

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in ALWAYS.items():
                    headers[name] = value
                headers["Content-Security-Policy"] = self.policy(path, headers.get("content-type", ""))
                if path.startswith("/api/") and not path.startswith(DOCS_ASSETS) and "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
                if self.strict_transport:
                    headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
            await send(message)

        await self.app(scope, receive, send_with_headers)
