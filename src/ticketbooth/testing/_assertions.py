"""Assertions for the answers API.md promises on protected routes (RFC 6750)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

REASONS: Mapping[str, str] = {
    "expired": "The token expired",
    "not_yet_valid": "The token is not yet valid",
    "signature": "The signature is invalid",
    "issuer": "The issuer is invalid",
    "audience": "The audience is invalid",
    "malformed": "The token is malformed",
    "algorithm": "The algorithm is not allowed",
    "missing_claim": "A required claim is missing",
}
"""Each ``reason`` of :func:`assert_unauthorized` and the ``error_description`` it means."""


class Response(Protocol):
    """What the assertions read from a response: httpx's, Starlette's TestClient's."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def text(self) -> str: ...

    def json(self) -> Any: ...


def _explain(response: Response, expected: str) -> str:
    challenge = response.headers.get("www-authenticate")
    return (
        f"expected {expected}; got {response.status_code} "
        f"(WWW-Authenticate: {challenge!r}) {response.text[:300]!r}"
    )


def _message(response: Response) -> object:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("message") if isinstance(body, dict) else None


def assert_unauthorized(response: Response, reason: str | None = None) -> None:
    """Assert a 401 exactly as API.md words it.

    Args:
        response: the response to a protected route.
        reason: one of :data:`REASONS` (``"expired"``, ``"signature"``, ``"issuer"``,
            ``"audience"``, ``"malformed"``, ``"algorithm"``, ``"missing_claim"``,
            ``"not_yet_valid"``): the token was refused for that reason, so the answer
            carries ``WWW-Authenticate: Bearer error="invalid_token",
            error_description="..."`` and the body ``{"message": <the same text>}``.
            ``None``: no bearer token came at all, so the challenge is a bare ``Bearer``.

    Raises:
        AssertionError: the response is anything else.
        ValueError: ``reason`` is not one of :data:`REASONS`.
    """
    if reason is None:
        if response.status_code != 401 or response.headers.get("www-authenticate") != "Bearer":
            raise AssertionError(_explain(response, "401 with a bare 'Bearer' challenge"))
        return
    if reason not in REASONS:
        raise ValueError(f"unknown reason {reason!r}; use one of {', '.join(REASONS)} or None")
    description = REASONS[reason]
    challenge = f'Bearer error="invalid_token", error_description="{description}"'
    if response.status_code != 401 or response.headers.get("www-authenticate") != challenge:
        raise AssertionError(_explain(response, f"401 with {challenge}"))
    if _message(response) != description:
        raise AssertionError(_explain(response, f'the body {{"message": "{description}"}}'))


def assert_forbidden(response: Response, message: str | None = None) -> None:
    """Assert a 403: the token was valid, the caller lacks the role.

    Args:
        response: the response to a protected route.
        message: the exact ``message`` of the JSON body, when it matters
            (``require_role("Admin")`` says ``"This requires the role Admin"``).

    Raises:
        AssertionError: the response is anything else, or asks for a new token
            (a ``WWW-Authenticate`` challenge: the token was not accepted at all).
    """
    if response.status_code != 403 or "www-authenticate" in response.headers:
        raise AssertionError(_explain(response, "403 without a challenge"))
    found = _message(response)
    if not isinstance(found, str) or (message is not None and found != message):
        expected = f'"{message}"' if message is not None else "a string"
        raise AssertionError(_explain(response, f'the body {{"message": {expected}}}'))
