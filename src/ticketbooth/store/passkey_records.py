"""Plain values and the repository protocol for passkeys (no SQLAlchemy here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class PasskeyRecord:
    """One WebAuthn credential of a user.

    Attributes:
        id: the id the API shows (a UUID; the credential id is not put in URLs).
        credential_id: the authenticator's credential id (raw bytes).
        user_handle: the WebAuthn ``user.id`` the authenticator keeps with the key and
            returns at sign-in (random, the same for every passkey of one user).
        public_key: the credential public key, COSE-encoded, as registered.
        sign_count: the signature counter last seen (0 for authenticators without one).
        transports: how the browser says it can reach the authenticator (``internal``,
            ``hybrid``, ``usb``...), for ``excludeCredentials``.
    """

    id: str
    user_id: int
    credential_id: bytes
    user_handle: bytes
    public_key: bytes
    sign_count: int
    transports: tuple[str, ...]
    name: str
    created_at: datetime
    last_used_at: datetime | None = None

    def __repr__(self) -> str:
        return f"PasskeyRecord(id={self.id!r}, user_id={self.user_id}, name={self.name!r})"


@dataclass(frozen=True, slots=True)
class PasskeyChallengeRecord:
    """A challenge handed out with WebAuthn options, stored as its SHA-256.

    Attributes:
        purpose: ``"register"`` or ``"login"``.
        user_id: who asked, for a registration (sign-in challenges belong to nobody).
        user_handle: the ``user.id`` the registration options named.
    """

    challenge_hash: str
    purpose: str
    expires_at: datetime
    user_id: int | None = None
    user_handle: bytes | None = None


class PasskeyRepository(Protocol):
    """Credentials and their single-use challenges."""

    def add(self, record: PasskeyRecord) -> None: ...
    def get_by_credential_id(self, credential_id: bytes) -> PasskeyRecord | None: ...
    def list_for_user(self, user_id: int) -> list[PasskeyRecord]: ...
    def count_for_user(self, user_id: int) -> int: ...
    def delete(self, user_id: int, passkey_id: str) -> PasskeyRecord | None: ...
    def delete_all(self, user_id: int) -> int: ...
    def use(self, passkey_id: str, sign_count: int, now: datetime) -> bool: ...
    def add_challenge(self, record: PasskeyChallengeRecord) -> None: ...
    def take_challenge(
        self, challenge_hash: str, purpose: str, user_id: int | None, now: datetime
    ) -> PasskeyChallengeRecord | None: ...
    def purge_challenges(self, now: datetime) -> int: ...
