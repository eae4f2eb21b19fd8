"""Builds the passkeys feature from the settings (beside ``assembly``, which wires it in)."""

from __future__ import annotations

from collections.abc import Callable

from .auth.audit import Auditor
from .auth.passkeys import Passkeys, RelyingParty
from .auth.request_limits import RequestLimiter
from .auth.service import AuthService
from .auth.sessions import SessionManager
from .config import Settings
from .store.db import Database
from .store.passkeys import SqlPasskeyRepository
from .store.users import SqlUserRepository

PURGE_SECONDS = 60.0
"""How often expired challenges are deleted (each lives five minutes)."""


def build_passkeys(
    settings: Settings,
    db: Database,
    *,
    auth: AuthService,
    sessions: SessionManager,
    auditor: Auditor,
    now: Callable[[], float],
) -> Passkeys:
    """The passkey flows, bound to the relying party ``TICKETBOOTH_PUBLIC_URL`` names.

    Raises:
        ConfigurationError: ``TICKETBOOTH_PASSKEY_ORIGINS`` or ``TICKETBOOTH_PASSKEY_RP_ID``
            name origins that browsers would refuse.
    """
    relying_party = RelyingParty.create(
        public_url=settings.public_url,
        name=settings.issuer,
        extra_origins=settings.passkey_origins,
        rp_id=settings.passkey_rp_id,
    )
    return Passkeys(
        repo=SqlPasskeyRepository(db),
        users=SqlUserRepository(db),
        start_session=auth.start_session,
        sessions=sessions,
        relying_party=relying_party,
        auditor=auditor,
        unit_of_work=db.session,
        now=now,
        options_limiter=RequestLimiter(
            "passkey-options",
            storage_uri=settings.redis_url or "memory://",
            address_requests=settings.passkey_options_requests,
            window_seconds=int(settings.passkey_options_window_minutes * 60),
            is_enabled=settings.rate_limits,
            namespace=settings.issuer,
        ),
    )
