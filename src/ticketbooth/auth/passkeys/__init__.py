"""Passkeys (WebAuthn, on py_webauthn): registration and usernameless sign-in.

:class:`Passkeys` holds the flows, :class:`RelyingParty` the domain and origins they
are bound to; ``_webauthn`` is the only module that imports the WebAuthn library.
"""

from .relying_party import RelyingParty
from .service import CHALLENGE_SECONDS, MAX_PASSKEYS, PASSKEY_METHODS, Passkeys, PasskeysRemoved

__all__ = [
    "CHALLENGE_SECONDS",
    "MAX_PASSKEYS",
    "PASSKEY_METHODS",
    "Passkeys",
    "PasskeysRemoved",
    "RelyingParty",
]
