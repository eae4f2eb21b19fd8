"""The signing-key lifecycle: ``next`` → ``active`` → ``retiring`` → ``retired``.

* ``next``: published in the JWKS, not yet signing, so verifiers that cache the JWKS
  already know it when it starts signing.
* ``active``: signs new tokens (the newest active key of the configured algorithm).
* ``retiring``: verifies only, until every token it signed has expired
  (``retire_after``), then it is retired automatically.
* ``retired``: gone from the key set; its tokens fail.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..errors import ConfigurationError, NotFoundError
from ..store.records import KeyRecord, KeyRepository
from ..tokens.keys import Key, KeySet

STATES = ("next", "active", "retiring", "retired")


class Keyring:
    """Loads and manages the signing keys kept in the database.

    Args:
        repo: where keys live.
        algorithm: the algorithm new keys use and the active key must have.
        secret: an HMAC secret from the environment; for HS256 it signs and is never stored.
        token_lifetime: seconds an access token lives (how long a key keeps verifying).
        encryption_key: when given, private keys are stored encrypted (Fernet, with a key
            derived by HKDF-SHA256); without it they are stored as they are, so the
            database must then be protected like the keys themselves.
        leeway: clock skew allowed on validation, added to the retiring window.
        now: the clock.
    """

    def __init__(
        self,
        repo: KeyRepository,
        *,
        algorithm: str,
        secret: bytes | None = None,
        token_lifetime: float,
        leeway: float = 0.0,
        encryption_key: bytes | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._repo = repo
        self._sealer = _Sealer(encryption_key) if encryption_key else None
        self.algorithm = algorithm
        self._env_key = Key.from_secret(secret) if secret and algorithm == "HS256" else None
        self._grace = timedelta(seconds=token_lifetime + leeway + 1)
        self._now = now

    def _utcnow(self) -> datetime:
        return datetime.fromtimestamp(self._now(), UTC)

    @property
    def uses_env_secret(self) -> bool:
        """True when TICKETBOOTH_SECRET_KEY signs and the database keys only verify."""
        return self._env_key is not None

    def list(self) -> list[KeyRecord]:
        """Every key, oldest first."""
        return self._repo.list()

    def ensure_active(self, *, switch_algorithm: bool = True) -> None:
        """Make sure something signs.

        Creates and activates a key of the configured algorithm on first run.  With
        ``switch_algorithm`` (what ``serve`` does), an active key of another algorithm
        is replaced too, and moves to ``retiring`` so its tokens keep verifying until
        they expire; administrative commands pass False so that ``keys generate --alg``
        is not undone by the next command.  An environment secret always takes over.
        """
        active = [r for r in self._repo.list() if r.state == "active"]
        if self._env_key is not None:
            for record in active:
                self._retire_later(record.kid)
            return
        if any(r.alg == self.algorithm for r in active):
            return
        if active and not switch_algorithm:
            return
        self.generate(self.algorithm)

    def generate(self, alg: str | None = None) -> KeyRecord:
        """A new key that signs from now on; the previous active keys start retiring.

        Raises:
            ConfigurationError: the algorithm is unsupported, or the secret comes from
                the environment.
        """
        self._refuse_with_env_secret()
        record = self._new_record(alg or self.algorithm, "active")
        self._repo.add(record)
        self._retire_older(record)
        for waiting in self._repo.list():
            if waiting.state == "next" and waiting.alg != record.alg:
                # a pre-published key of the old algorithm would never be promoted now
                self._repo.set_state(waiting.kid, "retired", self._utcnow(), expect="next")
        return record

    def _retire_older(self, record: KeyRecord) -> None:
        # Only keys activated before this one: two instances generating at once then
        # leave exactly the newer key active instead of retiring each other's.
        assert record.activated_at is not None  # noqa: S101 - active records have it
        for old in self._repo.list():
            if (
                old.state == "active"
                and old.kid != record.kid
                and (old.activated_at or old.created_at) <= record.activated_at
            ):
                self._retire_later(old.kid)

    def rotate(self, *, replacing: str | None = None) -> tuple[KeyRecord, KeyRecord] | None:
        """Activate the pre-published ``next`` key and publish a new ``next``.

        With no ``next`` key yet, one is made and activated at once (verifiers then learn
        it on their first unknown ``kid``).  Every step is a conditional update, so when
        several instances rotate at once exactly one succeeds; the others get None.

        Args:
            replacing: the active key this rotation retires.  Instances that decided to
                rotate because that key was due claim it first (``active`` → ``retiring``,
                conditionally), so only the first of them rotates.

        Returns (now active, new next), or None when another process rotated first.

        Raises:
            ConfigurationError: the secret comes from the environment.
        """
        self._refuse_with_env_secret()
        if replacing is not None:
            now = self._utcnow()
            claimed = self._repo.set_state(
                replacing, "retiring", now, retire_after=now + self._grace, expect="active"
            )
            if not claimed:
                return None
        records = self._repo.list()
        pending = [r for r in records if r.state == "next" and r.alg == self.algorithm]
        if pending:
            now = self._utcnow()
            if not self._repo.set_state(pending[-1].kid, "active", now, expect="next"):
                return None
            promoted = replace(pending[-1], state="active", activated_at=now)
            self._retire_older(promoted)
        else:
            promoted = self.generate(self.algorithm)
        upcoming = self._new_record(self.algorithm, "next")
        self._repo.add(upcoming)
        return promoted, upcoming

    def rotate_if_due(self, every_days: float) -> tuple[KeyRecord, KeyRecord] | None:
        """Rotate when the active key has signed for ``every_days`` (automatic rotation)."""
        if self._env_key is not None:
            return None
        active = [r for r in self._repo.list() if r.state == "active" and r.alg == self.algorithm]
        if not active:
            return None  # mid-rotation elsewhere, or not set up: ensure_active's business
        current = max(active, key=lambda r: r.activated_at or r.created_at)
        started = current.activated_at or current.created_at
        if started + timedelta(days=every_days) > self._utcnow():
            return None
        return self.rotate(replacing=current.kid)

    def publish_next(self) -> KeyRecord | None:
        """Publish a ``next`` key when none is waiting (so a rotation is pre-announced)."""
        if self._env_key is not None:
            return None
        if any(r.state == "next" and r.alg == self.algorithm for r in self._repo.list()):
            return None
        record = self._new_record(self.algorithm, "next")
        self._repo.add(record)
        return record

    def retire(self, kid: str) -> None:
        """Stop a key verifying now: tokens it signed fail from the next key reload.

        Raises:
            NotFoundError: no such key.
            ConfigurationError: it is the only active key (generate or rotate first).
        """
        records = {r.kid: r for r in self._repo.list()}
        record = records.get(kid)
        if record is None:
            raise NotFoundError(f"no key {kid!r}")
        others = [r for r in records.values() if r.state == "active" and r.kid != kid]
        if record.state == "active" and not others and self._env_key is None:
            raise ConfigurationError("that is the only active key; rotate before retiring it")
        self._repo.set_state(kid, "retired", self._utcnow())

    def load(self) -> KeySet:
        """The key set to sign and verify with now; overdue ``retiring`` keys are retired.

        Raises:
            ConfigurationError: nothing can sign (run ``ensure_active`` first).
        """
        now = self._utcnow()
        keys: list[Key] = []
        signer: str | None = None
        if self._env_key is not None:
            keys.append(self._env_key)
            signer = self._env_key.kid
        records = sorted(
            self._repo.list(),
            key=lambda r: r.activated_at or r.created_at,
            reverse=True,
        )
        for record in records:
            if record.state == "retired":
                continue
            if record.state == "retiring" and record.retire_after and record.retire_after <= now:
                self._repo.set_state(record.kid, "retired", now, expect="retiring")
                continue
            key = self._key_of(record)
            keys.append(key)
            if signer is None and record.state == "active" and record.alg == self.algorithm:
                signer = key.kid
        if signer is None:
            active = [r for r in records if r.state == "active"]
            if not active:
                raise ConfigurationError("no active signing key; run `ticketbooth keys generate`")
            signer = active[0].kid
        return KeySet(keys, signing_kid=signer)

    def _key_of(self, record: KeyRecord) -> Key:
        material = record.material
        if self._sealer is not None:
            material = self._sealer.open(material)
        elif _Sealer.is_sealed(material):
            raise ConfigurationError(
                "the signing keys are stored encrypted; set TICKETBOOTH_KEY_ENCRYPTION_KEY"
            )
        if record.alg == "HS256":
            return Key.from_secret(material, kid=record.kid)
        return Key.from_pem(record.alg, material, kid=record.kid)

    def _retire_later(self, kid: str) -> None:
        now = self._utcnow()
        self._repo.set_state(kid, "retiring", now, retire_after=now + self._grace, expect="active")

    def _refuse_with_env_secret(self) -> None:
        if self._env_key is not None:
            raise ConfigurationError(
                "the signing secret comes from TICKETBOOTH_SECRET_KEY; change it there, "
                "or unset it to manage keys in the database"
            )

    def _new_record(self, alg: str, state: str) -> KeyRecord:
        key = Key.generate(alg)
        now = self._utcnow()
        material = key.export_private()
        return KeyRecord(
            kid=key.kid,
            alg=alg,
            state=state,
            material=self._sealer.seal(material) if self._sealer else material,
            created_at=now,
            activated_at=now if state == "active" else None,
            retire_after=None,
            retired_at=None,
        )


class _Sealer:
    """Encrypts key material at rest with Fernet (AES-128-CBC + HMAC-SHA256)."""

    _PREFIX = b"fernet1:"

    def __init__(self, passphrase: bytes) -> None:
        derived = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"ticketbooth signing keys"
        ).derive(passphrase)
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def seal(self, material: bytes) -> bytes:
        return self._PREFIX + self._fernet.encrypt(material)

    def open(self, material: bytes) -> bytes:
        if not material.startswith(self._PREFIX):
            return material  # stored before encryption was switched on
        try:
            return self._fernet.decrypt(material[len(self._PREFIX) :])
        except InvalidToken as exc:
            raise ConfigurationError(
                "TICKETBOOTH_KEY_ENCRYPTION_KEY does not decrypt the stored signing keys"
            ) from exc

    @classmethod
    def is_sealed(cls, material: bytes) -> bool:
        return material.startswith(cls._PREFIX)
