"""Builds OAuth 2.0 for services (clients, the token, introspection and revocation
endpoints' service) from :class:`~ticketbooth.config.Settings`;
:func:`ticketbooth.assembly.build` calls it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .auth.audit import Auditor
from .auth.oauth import AssertionVerifier, ClientAdmin, ClientSecretHasher, OAuthService
from .auth.ratelimit import LoginLimiter
from .auth.revocation import Revoker
from .auth.sessions import SessionManager
from .config import Settings
from .store.clients import SqlAssertionReplayRepository, SqlClientRepository
from .store.db import Database
from .store.refresh_tokens import SqlRefreshTokenRepository
from .store.users import SqlUserRepository
from .tokens.issuer import TokenIssuer
from .tokens.validator import TokenValidator


@dataclass(frozen=True)
class OAuth:
    """The OAuth feature's parts.

    Attributes:
        service: the token, introspection and revocation endpoints' logic.
        clients: client administration (a change and its audit row in one unit of work).
    """

    service: OAuthService
    clients: ClientAdmin


def build_oauth(
    settings: Settings,
    db: Database,
    *,
    issuer: TokenIssuer,
    validator: TokenValidator,
    limiter: LoginLimiter,
    sessions: SessionManager,
    auditor: Auditor,
    revoker: Revoker | None,
    now: Callable[[], float],
) -> OAuth:
    """OAuth 2.0 clients over the database, on the service's own keys and validator.
    Failed client authentication counts against the failed-login ``limiter``; revoking a
    refresh token ends its session through ``sessions``.

    Nothing to close and no background job: used assertion ids are swept as new ones
    are claimed, and tokens revoked by ``jti`` are picked up by the revocation poll.
    """
    clients = SqlClientRepository(db)
    hasher = ClientSecretHasher(settings.client_secret_key_bytes)
    service = OAuthService(
        clients=clients,
        users=SqlUserRepository(db),
        refresh_tokens=SqlRefreshTokenRepository(db),
        issuer=issuer,
        validator=validator,
        hasher=hasher,
        assertions=AssertionVerifier(
            SqlAssertionReplayRepository(db), leeway=settings.clock_skew_seconds, now=now
        ),
        limiter=limiter,
        auditor=auditor,
        revoker=revoker,
        sessions=sessions,
        unit_of_work=db.session,
        now=now,
    )
    admin = ClientAdmin(clients, hasher, auditor=auditor, now=now, unit_of_work=db.session)
    return OAuth(service=service, clients=admin)
