"""Secrets at rest, sealed with the key-encryption key (``TICKETBOOTH_KEY_ENCRYPTION_KEY``).

Fernet (AES-128-CBC + HMAC-SHA256 from ``cryptography``) under a key derived from the
passphrase with HKDF-SHA256; the HKDF ``info`` separates what is sealed (signing keys,
TOTP secrets), so one derived key never protects two kinds of secret.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..errors import ConfigurationError


class Sealer:
    """Seals and opens secrets of one kind with the key-encryption key.

    Args:
        passphrase: the key-encryption key, as bytes.
        purpose: what is sealed, e.g. ``"signing keys"``; it feeds HKDF and the error.
    """

    _PREFIX = b"fernet1:"

    def __init__(self, passphrase: bytes, *, purpose: str = "signing keys") -> None:
        derived = HKDF(
            algorithm=hashes.SHA256(),
            length=32,
            salt=None,
            info=b"ticketbooth " + purpose.encode(),
        ).derive(passphrase)
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))
        self._purpose = purpose

    def seal(self, material: bytes) -> bytes:
        """``material`` encrypted and tagged as sealed."""
        return self._PREFIX + self._fernet.encrypt(material)

    def open(self, material: bytes) -> bytes:
        """The plain bytes of sealed ``material`` (unsealed material is returned as is).

        Raises:
            ConfigurationError: the key-encryption key does not open it.
        """
        if not material.startswith(self._PREFIX):
            return material  # stored before encryption was switched on
        try:
            return self._fernet.decrypt(material[len(self._PREFIX) :])
        except InvalidToken as exc:
            raise ConfigurationError(
                f"TICKETBOOTH_KEY_ENCRYPTION_KEY does not decrypt the stored {self._purpose}"
            ) from exc

    @classmethod
    def is_sealed(cls, material: bytes) -> bool:
        """Whether ``material`` was sealed (and needs the key-encryption key to open)."""
        return material.startswith(cls._PREFIX)
