"""argon2id password hashing and the password policy."""

from __future__ import annotations

import argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ..tokens.errors import WeakPasswordError

MIN_LENGTH = 8
MAX_LENGTH = 1024
_COMMON = frozenset(
    {
        "password", "password1", "password123", "12345678", "123456789", "1234567890",
        "qwertyuiop", "qwerty123", "iloveyou", "admin123", "letmein1", "welcome1",
        "secret123", "changeme", "abc12345", "11111111", "00000000", "passw0rd",
        "football", "baseball", "sunshine", "princess", "trustno1", "superman",
    }
)  # fmt: skip


def check_password(password: str, *, username: str | None = None) -> None:
    """Refuse passwords that are easy to guess (NIST SP 800-63B style: length and blocklist).

    Raises:
        WeakPasswordError: with the reason, e.g. "the password must be at least 8 characters".
    """
    if len(password) < MIN_LENGTH:
        raise WeakPasswordError(f"the password must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise WeakPasswordError(f"the password must be at most {MAX_LENGTH} characters")
    if password.lower() in _COMMON:
        raise WeakPasswordError("the password is on the list of commonly used passwords")
    if len(set(password)) < 3:
        raise WeakPasswordError("the password repeats too few distinct characters")
    if username and username.lower() in password.lower():
        raise WeakPasswordError("the password must not contain the username")


class PasswordHasher:
    """argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile).

    :meth:`verify_dummy` spends the same time as a real verification, so an unknown
    username cannot be told from a wrong password by timing.
    """

    def __init__(self, hasher: argon2.PasswordHasher | None = None) -> None:
        self._hasher = hasher or argon2.PasswordHasher(type=argon2.Type.ID)
        self._dummy = self._hasher.hash("ticketbooth dummy password for timing")

    def hash(self, password: str) -> str:
        """A PHC-format argon2id hash."""
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        """Whether ``password`` matches; a corrupt hash counts as a mismatch."""
        try:
            return self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def verify_dummy(self, password: str) -> None:
        """Spend one verification's time on a hash nobody's password matches."""
        self.verify(self._dummy, password)

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether the hash was made with weaker parameters than today's."""
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True
