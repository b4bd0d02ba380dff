"""Cap request bodies before anything reads them: by Content-Length up front, by counting when chunked."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import send_error

MULTIPART_OVERHEAD = 64 * 1024  # form boundaries and headers around an uploaded file


class BodyTooLarge(BaseException):
    """Raised from the body stream; a BaseException so no body parser turns it into a 400 on the way out."""


class BodySizeLimit:
    """413 for bodies over ``default_limit``, or over ``upload_limit`` on the upload paths."""

    def __init__(self, app: ASGIApp, *, default_limit: int, upload_limit: int, upload_paths: tuple[str, ...]):
        self.app = app
        self.default_limit = default_limit
        self.upload_limit = upload_limit + MULTIPART_OVERHEAD
        self.upload_paths = upload_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.upload_limit if scope["path"] in self.upload_paths else self.default_limit
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _refuse(send, limit)
            return
        received = 0
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            response_started = response_started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not response_started:
                await _refuse(send, limit)


async def _refuse(send: Send, limit: int) -> None:
    await send_error(send, 413, "payload_too_large", f"The request body is larger than {limit // 1024} KB")
