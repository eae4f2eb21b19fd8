"""Builds OAuth 2.0 for services (clients, the token, introspection and revocation
endpoints' service) from :class:`~ticketbooth.config.Settings`;
:func:`ticketbooth.assembly.build` calls it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .auth.oauth import AssertionVerifier, ClientAdmin, ClientSecretHasher, OAuthService
from .store.clients import SqlAssertionReplayRepository, SqlClientRepository
from .store.refresh_tokens import SqlRefreshTokenRepository
from .store.users import SqlUserRepository

if TYPE_CHECKING:
    from .assembly import Services


@dataclass(frozen=True)
class OAuth:
    """The OAuth feature's parts.

    Attributes:
        service: the token, introspection and revocation endpoints' logic.
        clients: client administration (a change and its audit row in one unit of work).
    """

    service: OAuthService
    clients: ClientAdmin


def build_oauth(svc: Services, *, now: Callable[[], float]) -> OAuth:
    """OAuth 2.0 clients over the core parts ``svc`` already holds: its database, keys,
    validator, failed-login limiter (failed client authentication counts like a failed
    login), auditor and revoker.

    Nothing to close and no background job: used assertion ids are swept as new ones
    are claimed, and tokens revoked by ``jti`` are picked up by the revocation poll.
    """
    settings, db = svc.settings, svc.db
    clients = SqlClientRepository(db)
    hasher = ClientSecretHasher(settings.client_secret_key_bytes)
    service = OAuthService(
        clients=clients,
        users=SqlUserRepository(db),
        refresh_tokens=SqlRefreshTokenRepository(db),
        issuer=svc.issuer,
        validator=svc.validator,
        hasher=hasher,
        assertions=AssertionVerifier(
            SqlAssertionReplayRepository(db), leeway=settings.clock_skew_seconds, now=now
        ),
        limiter=svc.limiter,
        auditor=svc.auditor,
        revoker=svc.revoker,
        sessions=svc.sessions,
        unit_of_work=db.session,
        now=now,
    )
    admin = ClientAdmin(clients, hasher, auditor=svc.auditor, now=now, unit_of_work=db.session)
    return OAuth(service=service, clients=admin)
