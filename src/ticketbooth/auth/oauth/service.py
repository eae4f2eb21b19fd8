"""The client-credentials grant (RFC 6749 §4.4), introspection (RFC 7662) and revocation
(RFC 7009), over plain values: the web layer parses the form, this decides.

Client authentication (:meth:`OAuthService.authenticate`) comes first on every endpoint.
Failures look alike whatever the reason (unknown client, wrong secret, bad assertion),
count against the same failed-login limits as passwords (keyed ``client:<id>`` and by
address), and are audited as ``client_auth`` failures.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from ...errors import InvalidTokenError, NotFoundError, RateLimitedError
from ...store.client_records import ClientRecord, ClientRepository
from ...store.records import (
    RefreshTokenRecord,
    RefreshTokenRepository,
    UnitOfWork,
    UserRepository,
)
from ...tokens import decode_unverified
from ...tokens.issuer import TokenIssuer
from ...tokens.profiles import CLIENT_ACCESS
from ...tokens.validator import TokenValidator, ValidatedToken
from ..audit import NO_CONTEXT, Auditor, RequestContext
from ..ratelimit import LoginLimiter, check_audited
from ..revocation import Revoker
from ..service import hash_refresh_token
from ..sessions import SessionManager
from .assertions import AssertionVerifier
from .clients import parse_scopes
from .errors import (
    ClientRateLimitedError,
    InvalidClientError,
    InvalidScopeError,
    UnauthorizedClientError,
)
from .secrets import ClientSecretHasher

AuthMethod = Literal["client_secret_basic", "client_secret_post", "private_key_jwt", "none"]
AUTH_METHODS: tuple[AuthMethod, ...] = (
    "client_secret_basic",
    "client_secret_post",
    "private_key_jwt",
)
"""``token_endpoint_auth_methods_supported`` (RFC 8414)."""


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    """How a request authenticated its client (exactly one method, or ``none``).

    Attributes:
        method: the RFC 8414 name of the method used.
        client_id: the id presented (for ``private_key_jwt`` it may come from the
            assertion alone).
        secret: the secret (``client_secret_*``).
        assertion: the signed JWT (``private_key_jwt``).
    """

    method: AuthMethod
    client_id: str | None = None
    secret: str | None = None
    assertion: str | None = None

    def __repr__(self) -> str:
        return f"ClientCredentials(method={self.method!r}, client_id={self.client_id!r})"


@dataclass(frozen=True, slots=True)
class ClientToken:
    """A client access token (RFC 9068) and what the token response says of it."""

    access_token: str
    expires_in: int
    scope: str

    def __repr__(self) -> str:
        return f"ClientToken(expires_in={self.expires_in}, scope={self.scope!r})"


class OAuthService:
    """Authenticates clients and answers the token, introspection and revocation endpoints.

    Args:
        clients: registered clients.
        users: users (a refresh token of a disabled user is inactive).
        refresh_tokens: refresh tokens (introspected and revoked by hash).
        issuer: signs client access tokens with the service's keys.
        validator: the service's own validator (user and client access tokens).
        hasher: checks client secrets.
        assertions: checks ``private_key_jwt`` assertions.
        limiter: the failed-login limits, shared with password logins.
        auditor: where client events go.
        revoker: when given (access revocation on), revoked access tokens stop working.
        sessions: when given, revoking a refresh token ends its session (its access
            tokens too, with access revocation on), as signing out of it would.
        unit_of_work: ``Database.session``: a revocation and its audit rows commit
            together.
        now: the clock.
    """

    def __init__(
        self,
        *,
        clients: ClientRepository,
        users: UserRepository,
        refresh_tokens: RefreshTokenRepository,
        issuer: TokenIssuer,
        validator: TokenValidator,
        hasher: ClientSecretHasher,
        assertions: AssertionVerifier,
        limiter: LoginLimiter,
        auditor: Auditor | None = None,
        revoker: Revoker | None = None,
        sessions: SessionManager | None = None,
        unit_of_work: UnitOfWork = contextlib.nullcontext,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._clients = clients
        self._users = users
        self._refresh = refresh_tokens
        self.issuer = issuer
        self._validator = validator
        self._hasher = hasher
        self._assertions = assertions
        self._limiter = limiter
        self._audit = auditor or Auditor(now=now)
        self._revoker = revoker
        self._sessions = sessions
        self._uow = unit_of_work
        self._now = now

    # -- client authentication --------------------------------------------------------

    def authenticate(
        self,
        credentials: ClientCredentials,
        *,
        audiences: Collection[str],
        context: RequestContext = NO_CONTEXT,
    ) -> ClientRecord:
        """The enabled client the credentials prove.

        Args:
            credentials: what the request carried.
            audiences: the ``aud`` values an assertion may name (the token endpoint URL
                and the issuer).
            context: where the request came from.

        Raises:
            InvalidClientError: no credentials, unknown client, wrong secret, bad or
                replayed assertion (401).
            ClientRateLimitedError: too many recent failures for the client id or address
                (429).
            UnauthorizedClientError: the client is disabled (400).
        """
        is_basic = credentials.method == "client_secret_basic"
        if credentials.method == "none":
            raise InvalidClientError("Client authentication is required", is_basic=is_basic)
        client_id = credentials.client_id or _assertion_subject(credentials.assertion)
        address = context.address or "unknown"
        limit_key = f"client:{client_id}"
        try:
            check_audited(
                self._limiter,
                limit_key,
                auditor=self._audit,
                context=context,
                event="client_rate_limited",
            )
        except RateLimitedError as exc:
            raise ClientRateLimitedError(exc.retry_after, is_basic=is_basic) from None
        client = self._clients.get(client_id) if client_id else None
        try:
            self._prove(client, credentials, audiences)
        except InvalidClientError as exc:
            self._limiter.record_failure(limit_key, address)
            self._audit.record(
                "client_auth",
                "failure",
                username=client.name if client else None,
                context=context,
                client_id=(client_id or "")[:64],
                method=credentials.method,
                reason=exc.message,
            )
            raise InvalidClientError(exc.message, is_basic=is_basic) from None
        assert client is not None  # noqa: S101 - _prove refuses an unknown client
        if client.is_disabled:
            raise UnauthorizedClientError("This client is disabled")
        return client

    def _prove(
        self,
        client: ClientRecord | None,
        credentials: ClientCredentials,
        audiences: Collection[str],
    ) -> None:
        if credentials.method == "private_key_jwt":
            if client is None:
                raise InvalidClientError()
            if credentials.client_id and credentials.client_id != client.client_id:
                raise InvalidClientError()
            assert credentials.assertion is not None  # noqa: S101 - the method says so
            self._assertions.verify(client, credentials.assertion, audiences)
            return
        # Computed for an unknown client too: the same work, the same time.
        secret_hash = client.secret_hash if client else None
        is_valid = self._hasher.verify(secret_hash, credentials.secret or "")
        if client is None or not is_valid:
            raise InvalidClientError()

    # -- the token endpoint ---------------------------------------------------------

    def issue(
        self, client: ClientRecord, scope: str | None, *, context: RequestContext = NO_CONTEXT
    ) -> ClientToken:
        """An RFC 9068 access token for ``client`` (``grant_type=client_credentials``).

        Args:
            client: the authenticated client.
            scope: the space-separated scopes asked for; all of the client's when None
                or empty.
            context: where the request came from.

        Raises:
            InvalidScopeError: a scope is malformed or not granted to the client.
        """
        try:
            asked = parse_scopes(scope or "")
        except ValueError as exc:
            raise InvalidScopeError(f"The scope is malformed: {exc}") from None
        refused = [s for s in asked if s not in client.scopes]
        if refused:
            raise InvalidScopeError(f"The scope {refused[0]} is not granted to this client")
        granted = " ".join(asked or client.scopes)
        issued = self.issuer.issue_token(
            CLIENT_ACCESS,
            subject=client.client_id,
            claims={"client_id": client.client_id, "scope": granted},
        )
        self._audit.record(
            "client_token",
            username=client.name,
            context=context,
            client_id=client.client_id,
            scope=granted[:200],
        )
        return ClientToken(issued.token, issued.expires_at - int(self._now()), granted)

    # -- introspection and revocation -------------------------------------------------

    def introspect(self, token: str, hint: str | None = None) -> dict[str, Any]:
        """RFC 7662: what an access or refresh token is, or ``{"active": False}``."""
        for kind in _order(hint):
            found = self._access(token) if kind == "access_token" else self._refresh_token(token)
            if found is not None:
                return (
                    _describe_access(found)
                    if isinstance(found, ValidatedToken)
                    else self._describe_refresh(found)
                )
        return {"active": False}

    def revoke(
        self,
        client: ClientRecord,
        token: str,
        hint: str | None = None,
        *,
        context: RequestContext = NO_CONTEXT,
    ) -> None:
        """RFC 7009: a refresh token stops working, and its whole session ends (RFC 7009
        §2.1: with access revocation on, the session's access tokens too); an access token
        stops working when access revocation is on.  Unknown and invalid tokens are
        ignored.  The revocation and its audit rows commit together."""
        for kind in _order(hint):
            found = self._access(token) if kind == "access_token" else self._refresh_token(token)
            if isinstance(found, ValidatedToken):
                if self._revoker is None:
                    return  # access revocation is off: it lives until it expires
                claims = found.claims
                with self._uow():
                    self._revoker.revoke_jti(str(claims["jti"]), float(claims["exp"]))
                    self._audit.record(
                        "token_revoked",
                        username=client.name,
                        context=context,
                        client_id=client.client_id,
                        kind="access_token",
                    )
                return
            if found is not None:
                with self._uow():
                    self._end_login(found, context)
                    self._audit.record(
                        "token_revoked",
                        user_id=found.user_id,
                        context=context,
                        client_id=client.client_id,
                        kind="refresh_token",
                    )
                return

    def _end_login(self, found: RefreshTokenRecord, context: RequestContext) -> None:
        """End the session of a refresh token (its family); only the family when the
        session is not on record."""
        if self._sessions is not None:
            try:
                self._sessions.revoke(found.user_id, found.family_id, context=context)
            except NotFoundError:
                pass
            else:
                return
        now = datetime.fromtimestamp(self._now(), UTC)
        self._refresh.revoke_family(found.family_id, "revoked", now)

    def _access(self, token: str) -> ValidatedToken | None:
        try:
            result = self._validator.validate_token(token)
        except InvalidTokenError:
            return None
        if not isinstance(result.claims.get("jti"), str) or len(result.claims["jti"]) > 64:
            return None  # not one of ours to describe or revoke
        return result

    def _refresh_token(self, token: str) -> RefreshTokenRecord | None:
        if "." in token or len(token) > 256:
            return None  # a JWT, or too long to be one of ours
        record = self._refresh.find_by_hash(hash_refresh_token(token))
        now = datetime.fromtimestamp(self._now(), UTC)
        if record is None or record.revoked_at is not None or record.expires_at <= now:
            return None
        return record

    def _describe_refresh(self, record: RefreshTokenRecord) -> dict[str, Any]:
        user = self._users.get(record.user_id)
        if user is None or user.is_disabled:
            return {"active": False}
        return {
            "active": True,
            "token_type": "refresh_token",
            "sub": str(user.id),
            "username": user.username,
            "iss": self.issuer.issuer,
            "iat": int(record.issued_at.timestamp()),
            "exp": int(record.expires_at.timestamp()),
        }


def _order(hint: str | None) -> tuple[str, str]:
    """Where to look first (RFC 7009 §2.1: the hint only speeds the search up)."""
    if hint == "refresh_token":
        return ("refresh_token", "access_token")
    return ("access_token", "refresh_token")


_ACCESS_FIELDS = ("scope", "client_id", "exp", "iat", "nbf", "sub", "aud", "iss", "jti")


def _describe_access(result: ValidatedToken) -> dict[str, Any]:
    claims = result.claims
    answer: dict[str, Any] = {"active": True, "token_type": "Bearer"}
    answer.update({name: claims[name] for name in _ACCESS_FIELDS if name in claims})
    if result.profile.kind == "user" and isinstance(claims.get("name"), str):
        answer["username"] = claims["name"]
    return answer


def _assertion_subject(assertion: str | None) -> str | None:
    """The client id an assertion claims (``sub``), read before its signature is checked:
    only to find the client whose key will check it."""
    if assertion is None:
        return None
    try:
        sub = decode_unverified(assertion)[1].get("sub")
    except (InvalidTokenError, IndexError):
        return None
    return sub if isinstance(sub, str) and 0 < len(sub) <= 64 else None
