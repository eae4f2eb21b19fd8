"""The one table that turns ticketbooth errors into HTTP answers (kept in ``httpauth``)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import (
    AuthenticationError,
    InvalidCredentialsError,
    InvalidRefreshTokenError,
    InvalidTokenError,
    TicketboothError,
)
from ..httpauth import MissingTokenError, error_answer
from ..store.db import StoreUnavailableError
from .responses import JSONResponse
from .text import BAD_CREDENTIALS, BAD_REFRESH_TOKEN

log = logging.getLogger("ticketbooth.web")


def error_response(exc: TicketboothError) -> JSONResponse:
    """The status, headers and ``{"message": ...}`` body for ``exc``.

    The table lives in :mod:`ticketbooth.httpauth`, shared with the framework adapters;
    only the database's own failure (503, ``Retry-After: 5``) is the service's alone.
    """
    if isinstance(exc, StoreUnavailableError):
        return JSONResponse({"message": exc.message}, status_code=503, headers={"Retry-After": "5"})
    answer = error_answer(exc)
    if answer.status == 500:
        log.error("unmapped error %s", type(exc).__name__)
    return JSONResponse(
        {"message": answer.message}, status_code=answer.status, headers=dict(answer.headers)
    )


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


REFUSALS: dict[str, type[AuthenticationError]] = {
    BAD_CREDENTIALS: InvalidCredentialsError,
    BAD_REFRESH_TOKEN: InvalidRefreshTokenError,
}
"""Validation errors that are answered as the authentication failure they amount to."""


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # noqa: S101
    errors = exc.errors()
    malformed = [e for e in errors if e.get("type") not in REFUSALS]
    if errors and not malformed:  # well-formed, but no user or token can match it
        return error_response(REFUSALS[errors[0]["type"]]())
    first = malformed[0] if malformed else {"loc": (), "msg": "invalid request"}
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


__all__ = ["MissingTokenError", "error_response", "failure_reason", "install_handlers"]
