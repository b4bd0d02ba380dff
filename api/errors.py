"""One error base class and the handlers that give every failure the same JSON shape."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Send

from bachata_common.storage import StorageUnavailable

log = logging.getLogger(__name__)


class AppError(Exception):
    """An error a client can act on: HTTP status, stable code, human message, optional details."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, details: Any = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details
        self.headers = headers


class Unauthorized(AppError):
    status_code = 401
    code = "not_authenticated"

    def __init__(self, message: str = "Authentication required", **kwargs: Any):
        super().__init__(message, headers={"WWW-Authenticate": "Bearer"}, **kwargs)


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"

    def __init__(self) -> None:
        super().__init__("Email/username or password is incorrect")


class InvalidToken(Unauthorized):
    code = "invalid_token"


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"


class NotFound(AppError):
    status_code = 404
    code = "not_found"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class PayloadTooLarge(AppError):
    status_code = 413
    code = "payload_too_large"


class UnsupportedMedia(AppError):
    status_code = 415
    code = "unsupported_media_type"


class RangeNotSatisfiable(AppError):
    status_code = 416
    code = "range_not_satisfiable"


class Unprocessable(AppError):
    status_code = 422
    code = "validation_error"


class ServiceUnavailable(AppError):
    status_code = 503
    code = "service_unavailable"


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorOut(BaseModel):
    """The one error shape every failure answers with."""

    error: ErrorDetail


# Declared on every route so the OpenAPI schema says what failures look like (and fuzzing can check them).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    # "content" keeps JSON listed on routes whose success is HTML or a file: their errors are JSON too.
    status: {"model": ErrorOut, "description": description, "content": {"application/json": {}}}
    for status, description in {
        400: "Bad request",
        401: "Not signed in, or the token is invalid",
        403: "Not allowed",
        404: "Not found (also what another user's resources look like)",
        409: "Conflict",
        413: "Body too large",
        415: "Unsupported media",
        416: "Range not satisfiable",
        422: "Validation failed",
        429: "Rate limited or over a cap; see Retry-After",
        503: "A dependency is unavailable; retry later",
    }.items()
}


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    """The one error shape: {"error": {"code", "message", "details"}}."""
    return {"error": {"code": code, "message": message, "details": details}}


async def send_error(
    send: Send, status: int, code: str, message: str, *, headers: dict[str, str] | None = None
) -> None:
    """Answer in the error shape straight from ASGI middleware (before any route runs)."""
    body = json.dumps(error_body(code, message)).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(name.lower().encode(), value.encode()) for name, value in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def _app_error(_request: Request, exc: AppError) -> JSONResponse:
    return JSONResponse(error_body(exc.code, exc.message, exc.details), exc.status_code, headers=exc.headers)


async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    details = [
        {"field": ".".join(str(part) for part in err["loc"][1:]) or err["loc"][0], "message": err["msg"]}
        for err in exc.errors()
    ]
    return JSONResponse(error_body("validation_error", "The request is not valid", details), 422)


async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
    codes = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}
    code = codes.get(exc.status_code, "http_error")
    return JSONResponse(error_body(code, str(exc.detail)), exc.status_code, headers=exc.headers)


async def _storage_unavailable(_request: Request, exc: StorageUnavailable) -> JSONResponse:
    log.warning("storage unavailable: %s", exc)
    body = error_body("service_unavailable", "Storage is unavailable right now; try again in a minute")
    return JSONResponse(body, 503, headers={"Retry-After": "30"})


async def _unexpected_error(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return JSONResponse(error_body("internal_error", "Something went wrong on our side"), 500)


def install_error_handlers(app: FastAPI) -> None:
    """Route every kind of failure through the one error shape."""
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(StorageUnavailable, _storage_unavailable)
    app.add_exception_handler(Exception, _unexpected_error)
