"""OAuth 2.0 for services: clients, the client-credentials grant, introspection and
revocation.  Plain values in and out; the web layer (``ticketbooth.web.routes.oauth``) parses
forms and renders RFC 6749 §5.2 errors.
"""

from .assertions import ASSERTION_TYPE, AssertionVerifier
from .clients import ClientAdmin, NewClient, parse_scopes, public_key_from_pem
from .errors import (
    ClientRateLimitedError,
    InvalidClientError,
    InvalidRequestError,
    InvalidScopeError,
    OAuthError,
    UnauthorizedClientError,
    UnsupportedGrantTypeError,
)
from .secrets import ClientSecretHasher
from .service import AUTH_METHODS, ClientCredentials, ClientToken, OAuthService

__all__ = [
    "ASSERTION_TYPE",
    "AUTH_METHODS",
    "AssertionVerifier",
    "ClientAdmin",
    "ClientCredentials",
    "ClientRateLimitedError",
    "ClientSecretHasher",
    "ClientToken",
    "InvalidClientError",
    "InvalidRequestError",
    "InvalidScopeError",
    "NewClient",
    "OAuthError",
    "OAuthService",
    "UnauthorizedClientError",
    "UnsupportedGrantTypeError",
    "parse_scopes",
    "public_key_from_pem",
]
