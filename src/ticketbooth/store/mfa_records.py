"""Plain values and the repository protocol for second factors (no SQLAlchemy here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class TotpRecord:
    """A user's TOTP credential; ``secret`` is as stored (sealed or not)."""

    user_id: int
    secret: bytes
    created_at: datetime
    confirmed_at: datetime | None = None
    last_step: int | None = None

    @property
    def is_enabled(self) -> bool:
        """A code confirmed it: sign-ins now need a second factor."""
        return self.confirmed_at is not None

    def __repr__(self) -> str:
        return f"TotpRecord(user_id={self.user_id}, is_enabled={self.is_enabled})"


@dataclass(frozen=True, slots=True)
class ChallengeRecord:
    """A sign-in that passed its password and awaits a second factor."""

    token_hash: str
    user_id: int
    methods: tuple[str, ...]
    expires_at: datetime
    tries: int = 0
    used_at: datetime | None = None


class MfaRepository(Protocol):
    """TOTP credentials, recovery codes and pending second-factor sign-ins."""

    def get_totp(self, user_id: int) -> TotpRecord | None: ...
    def put_totp(self, user_id: int, secret: bytes, now: datetime) -> None: ...
    def confirm_totp(self, user_id: int, step: int, now: datetime) -> bool: ...
    def use_step(self, user_id: int, step: int) -> bool: ...
    def delete_totp(self, user_id: int) -> bool: ...
    def replace_recovery_codes(self, user_id: int, hashes: list[str], now: datetime) -> None: ...
    def use_recovery_code(self, user_id: int, code_hash: str, now: datetime) -> bool: ...
    def count_recovery_codes(self, user_id: int) -> int: ...
    def add_challenge(self, record: ChallengeRecord) -> None: ...
    def get_challenge(self, token_hash: str) -> ChallengeRecord | None: ...
    def spend_try(self, token_hash: str, max_tries: int) -> bool: ...
    def finish_challenge(self, token_hash: str, now: datetime) -> bool: ...
