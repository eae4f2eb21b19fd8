"""argon2id password hashing and the password policy."""

from __future__ import annotations

import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ..errors import WeakPasswordError

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


def default_concurrency() -> int:
    """Hashes at once: one core is always left to the event loop that verifies tokens."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        usable = os.cpu_count() or 1
    return max(1, usable - 1)


def _lower_priority() -> None:
    # Per-thread nice on Linux; argon2's lane threads inherit it.  Token verification
    # on the event loop then wins the CPU whenever both want it.
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)


class PasswordHasher:
    """argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile).

    Hashing runs on a small pool of low-priority threads (``concurrency``, default one
    fewer than the usable cores), whatever thread calls it: a storm of logins queues
    there instead of starving token verification of CPU (measured by bench/load.py:
    protected-route p99 66x worse during 20 concurrent logins without it, 2.2x with it)
    and instead of holding 64 MiB per concurrent hash.

    :meth:`verify_dummy` spends the same time as a real verification, so an unknown
    username cannot be told from a wrong password by timing.
    """

    def __init__(
        self, hasher: argon2.PasswordHasher | None = None, *, concurrency: int | None = None
    ) -> None:
        self._hasher = hasher or argon2.PasswordHasher(type=argon2.Type.ID)
        self.concurrency = concurrency or default_concurrency()
        self._pool = ThreadPoolExecutor(
            max_workers=self.concurrency,
            thread_name_prefix="argon2",
            initializer=_lower_priority,
        )
        self._dummy = self.hash("ticketbooth dummy password for timing")

    def hash(self, password: str) -> str:
        """A PHC-format argon2id hash."""
        return self._pool.submit(self._hasher.hash, password).result()

    def verify(self, password_hash: str, password: str) -> bool:
        """Whether ``password`` matches; a corrupt hash counts as a mismatch."""
        return self._pool.submit(self._verify, password_hash, password).result()

    def _verify(self, password_hash: str, password: str) -> bool:
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
