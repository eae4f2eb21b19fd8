"""The RFC 6749 §5.2 errors of the token, introspection and revocation endpoints.

::

    TicketboothError
    └── OAuthError                 {"error", "error_description"}
        ├── InvalidClientError         401 invalid_client (WWW-Authenticate: Basic
        │   │                          when the client tried HTTP Basic)
        │   └── ClientRateLimitedError 429 invalid_client + Retry-After: too many
        │                              failed authentications (like failed logins)
        ├── InvalidRequestError        400 invalid_request
        ├── InvalidScopeError          400 invalid_scope
        ├── UnsupportedGrantTypeError  400 unsupported_grant_type
        └── UnauthorizedClientError    400 unauthorized_client

Each carries its RFC ``error`` code and HTTP ``status``; the message is the
``error_description`` and never contains a secret, an assertion or a token.
"""

from __future__ import annotations

from ...errors import TicketboothError


class OAuthError(TicketboothError):
    """An OAuth 2.0 endpoint refused the request (RFC 6749 §5.2)."""

    error = "invalid_request"
    status = 400
    description = "The request is invalid"


class InvalidClientError(OAuthError):
    """Client authentication failed: unknown client, wrong secret, bad assertion, none.

    Attributes:
        is_basic: the client tried HTTP Basic (the answer then challenges with Basic).
    """

    error = "invalid_client"
    status = 401
    description = "Client authentication failed"

    def __init__(self, message: str | None = None, *, is_basic: bool = False) -> None:
        super().__init__(message)
        self.is_basic = is_basic


class ClientRateLimitedError(InvalidClientError):
    """Too many failed client authentications for the client id or the address.

    RFC 6749 has no error code for it; the answer is 429 with ``Retry-After`` and
    ``invalid_client``, as the request did not authenticate its client.

    Attributes:
        retry_after: seconds until the oldest counted failure leaves the window.
    """

    status = 429
    description = "Too many failed attempts; try again later"

    def __init__(self, retry_after: int, *, is_basic: bool = False) -> None:
        super().__init__(is_basic=is_basic)
        self.retry_after = max(1, retry_after)


class InvalidRequestError(OAuthError):
    """A parameter is missing, repeated, malformed, or two authentication methods were used."""

    error = "invalid_request"


class InvalidScopeError(OAuthError):
    """A requested scope is unknown or not granted to the client."""

    error = "invalid_scope"
    description = "The requested scope is invalid or not granted to this client"


class UnsupportedGrantTypeError(OAuthError):
    """A grant type other than ``client_credentials``."""

    error = "unsupported_grant_type"
    description = "Only grant_type=client_credentials is supported"


class UnauthorizedClientError(OAuthError):
    """The client authenticated but may not get tokens (it is disabled)."""

    error = "unauthorized_client"
    description = "This client is not authorized to get tokens"
