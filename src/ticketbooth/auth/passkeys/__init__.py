"""Passkeys (WebAuthn, on py_webauthn): registration, usernameless sign-in, keeping.

:class:`Passkeys` holds the flows, :class:`RelyingParty` the domain and origins they
are bound to; ``_webauthn`` is the only module that imports the WebAuthn library.
"""

from .keeping import PasskeysRemoved
from .relying_party import RelyingParty
from .service import CHALLENGE_SECONDS, MAX_PASSKEYS, PASSKEY_METHODS, Passkeys

__all__ = [
    "CHALLENGE_SECONDS",
    "MAX_PASSKEYS",
    "PASSKEY_METHODS",
    "Passkeys",
    "PasskeysRemoved",
    "RelyingParty",
]
