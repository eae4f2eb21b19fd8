"""The one table that turns ticketbooth errors into HTTP answers."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InvalidFieldError,
    InvalidTokenError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    TicketboothError,
    WeakPasswordError,
)
from ..store.db import StoreUnavailableError

log = logging.getLogger("ticketbooth.web")

STATUS: tuple[tuple[type[TicketboothError], int], ...] = (
    (BadRequestError, 400),
    (InvalidTokenError, 401),
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (NotFoundError, 404),
    (ConflictError, 409),
    (WeakPasswordError, 422),
    (InvalidFieldError, 422),
    (RateLimitedError, 429),
    (StoreUnavailableError, 503),
)


class MissingTokenError(AuthenticationError):
    """No bearer token came with a request to a protected route."""

    description = "Authentication required"


def _headers(exc: TicketboothError) -> dict[str, str]:
    if isinstance(exc, InvalidTokenError):
        return {
            "WWW-Authenticate": (
                f'Bearer error="invalid_token", error_description="{exc.description}"'
            )
        }
    if isinstance(exc, MissingTokenError):
        return {"WWW-Authenticate": "Bearer"}
    if isinstance(exc, RateLimitedError):
        return {"Retry-After": str(exc.retry_after)}
    if isinstance(exc, StoreUnavailableError):
        return {"Retry-After": "5"}
    return {}


def error_response(exc: TicketboothError) -> JSONResponse:
    """The status, headers and ``{"message": ...}`` body for ``exc``."""
    status = next((code for kind, code in STATUS if isinstance(exc, kind)), 500)
    if status == 500:
        log.error("unmapped error %s", type(exc).__name__)
        return JSONResponse({"message": "Internal server error"}, status_code=500)
    message = exc.description if isinstance(exc, InvalidTokenError) else exc.message
    return JSONResponse({"message": message}, status_code=status, headers=_headers(exc))


def failure_reason(exc: InvalidTokenError) -> str:
    """A metrics label for a token failure: ``ExpiredTokenError`` -> ``expired_token``."""
    name = type(exc).__name__.removesuffix("Error")
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


async def _ticketbooth_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TicketboothError)  # noqa: S101 - registered for this type only
    metrics = getattr(request.app.state, "metrics", None)
    if metrics is not None and isinstance(exc, InvalidTokenError):
        metrics.validation_failures.labels(failure_reason(exc)).inc()
    return error_response(exc)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # noqa: S101
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
    if first.get("type") == "json_invalid":
        return JSONResponse({"message": "The request body is not valid JSON"}, status_code=422)
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "body"
    # Never echo the input: it may be a password.
    return JSONResponse({"message": f"{where}: {first.get('msg')}"}, status_code=422)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101
    return JSONResponse(
        {"message": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers
    )


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error", exc_info=exc)
    return JSONResponse({"message": "Internal server error"}, status_code=500)


def install_handlers(app: FastAPI) -> None:
    """Register the error table on ``app``."""
    app.add_exception_handler(TicketboothError, _ticketbooth_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
