"""A real ticketbooth in process: a throwaway SQLite database, cheap hashing, a frozen clock."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import argon2
import orjson
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from ..assembly import Services, build
from ..auth.passwords import PasswordHasher
from ..auth.service import TokenPair
from ..config import Settings
from ..errors import InvalidRefreshTokenError, NotFoundError, RefreshTokenReuseError
from ..store.records import UserRecord
from ..tokens import _compact
from ..tokens.keys import Key
from ._clock import FrozenClock

DEFAULT_PASSWORD = "correct horse battery staple"  # noqa: S105 - a test fixture's password


class _IsolatedSettings(Settings):
    """Settings from keyword arguments only: no environment, no TOML, no appsettings.json."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def isolated_settings(**values: Any) -> Settings:
    """:class:`~ticketbooth.config.Settings` from ``values`` and the defaults alone.

    ``TICKETBOOTH_*`` variables and ``ticketbooth.toml`` of the machine running the
    tests are ignored, so a developer's environment cannot change a test's outcome.

    Raises:
        pydantic.ValidationError: a value is not acceptable, exactly as ``Settings`` says.
    """
    return _IsolatedSettings(**values)


def fast_hasher() -> PasswordHasher:
    """argon2id at its cheapest: a login costs about a millisecond, not a second.

    For tests only: such hashes fall to an offline attack quickly.
    """
    return PasswordHasher(
        argon2.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=argon2.Type.ID)
    )


class AuthHarness:
    """Every part of a ticketbooth service, sharing one :class:`FrozenClock`.

    Build it with :meth:`create`.  Tokens, refresh tokens, keys and revocations are the
    real ones; only password hashing is cheapened.

    Args:
        services: the wired services (from :func:`ticketbooth.assembly.build`).
        clock: the clock they were built with.
    """

    def __init__(self, services: Services, clock: FrozenClock) -> None:
        self.services = services
        self.clock = clock

    @classmethod
    def create(cls, directory: Path, clock: FrozenClock, **settings: Any) -> AuthHarness:
        """Build on a new SQLite database in ``directory``.

        Args:
            directory: where the database file goes (pytest's ``tmp_path``).
            clock: the shared clock.
            settings: :class:`~ticketbooth.config.Settings` values (``algorithm="ES256"``,
                ``access_minutes=5``, ``revoke_access=True`` ...).

        Raises:
            ConfigurationError: the settings cannot run a service.
        """
        settings.setdefault("database_url", f"sqlite:///{directory / 'ticketbooth.db'}")
        built = build(isolated_settings(**settings), now=clock.now, hasher=fast_hasher())
        return cls(built, clock)

    @property
    def settings(self) -> Settings:
        """The settings the services run with."""
        return self.services.settings

    def close(self) -> None:
        """Release the database."""
        self.services.close()

    # -- tokens -------------------------------------------------------------------------

    def mint(
        self,
        user: str = "alice",
        role: str = "User",
        *,
        claims: Mapping[str, Any] | None = None,
        without: Iterable[str] = (),
        email: str | None = None,
        minutes: float | None = None,
        expired: bool = False,
        not_yet_valid: bool = False,
        issuer: str | None = None,
        audience: str | None = None,
        alg: str | None = None,
        kid: str | None = None,
        key: Key | None = None,
    ) -> str:
        """An access token, signed by the service's active key unless told otherwise.

        The token starts as the service's own issuer writes it; each argument then
        changes one thing, so a test can produce exactly the fault it is about.

        Args:
            user: the ``name``; ``sub`` is the user's id when the user exists, else the name.
            role: the ``role``.
            claims: claims to add or replace (``{"exp": "soon"}`` makes a malformed token).
            without: claims to leave out (``("exp",)``: a required claim is missing).
            email: the ``email``, when the token should carry one.
            minutes: the lifetime (default: the service's ``access_minutes``).
            expired: ``exp`` just past, beyond the service's clock skew.
            not_yet_valid: ``nbf`` and ``iat`` a minute ahead, beyond the clock skew.
            issuer: another ``iss`` (the wrong issuer).
            audience: another ``aud`` (the wrong audience).
            alg: another header ``alg``; the signature stays the key's own, and ``"none"``
                leaves it empty (the algorithm is not allowed).
            kid: another header ``kid`` (a key the service does not know).
            key: sign with this key instead (one the service does not trust).

        Raises:
            ConfigurationError: the service has no signing key.
        """
        found = self._user(user)
        signer = key or self.services.issuer.keys.signing_key
        issued = self.services.issuer.issue(
            subject=str(found.id) if found else user, name=user, role=role, email=email
        )
        header, body = _compact.decode_unverified(issued.token)
        body.update(self._times(body["iat"], minutes, expired=expired, late=not_yet_valid))
        if issuer is not None:
            body["iss"] = issuer
        if audience is not None:
            body["aud"] = audience
        body.update(claims or {})
        for name in without:
            body.pop(name, None)
        header.update(alg=alg or signer.alg, kid=kid or signer.kid)
        if header["alg"] == "none":
            encoded = (_compact.b64url_encode(orjson.dumps(part)) for part in (header, body))
            return ".".join(encoded) + "."
        return _compact.encode(header, body, signer)

    def _times(
        self, now: int, minutes: float | None, *, expired: bool, late: bool
    ) -> dict[str, int]:
        minutes = self.settings.access_minutes if minutes is None else minutes
        lifetime = max(1, math.ceil(minutes * 60))
        skew = math.ceil(self.settings.clock_skew_seconds)
        if expired:
            issued = now - skew - 1 - lifetime
        elif late:
            issued = now + skew + 60
        else:
            issued = now
        return {"iat": issued, "nbf": issued, "exp": issued + lifetime}

    # -- users and refresh tokens -------------------------------------------------------

    def add_user(
        self,
        name: str,
        role: str = "User",
        *,
        password: str = DEFAULT_PASSWORD,
        email: str | None = None,
    ) -> UserRecord:
        """Create a user in the service's database.

        Raises:
            ConflictError: the name is taken.
            WeakPasswordError: the password fails the policy.
        """
        return self.services.users.add(name, password, role=role, email=email)

    def login(
        self, name: str, *, role: str = "User", password: str = DEFAULT_PASSWORD
    ) -> TokenPair:
        """Log in, creating the user (with ``role`` and ``password``) when missing.

        Raises:
            InvalidCredentialsError: the user exists with another password, or is disabled.
        """
        if self._user(name) is None:
            self.add_user(name, role, password=password)
        return self.services.auth.login(name, password)

    def refresh(self, refresh_token: str) -> TokenPair:
        """Rotate a refresh token as ``POST /api/auth/refresh-token`` does.

        Raises:
            InvalidRefreshTokenError: unknown, expired, revoked or reused.
        """
        return self.services.auth.refresh(refresh_token)

    def replay_refresh(self, refresh_token: str) -> RefreshTokenReuseError:
        """Present an already-rotated refresh token again, as a thief would.

        The service must treat it as theft: the whole family (the newest token
        included) is revoked.  Returns the error the service raised.

        Raises:
            AssertionError: the token was accepted (it had not been rotated), or refused
                for another reason than reuse.
        """
        try:
            self.services.auth.refresh(refresh_token)
        except RefreshTokenReuseError as exc:
            return exc
        except InvalidRefreshTokenError as exc:
            raise AssertionError(
                "the refresh token was refused, but not as a reused one: it was never "
                "issued, or was already revoked or expired"
            ) from exc
        raise AssertionError(
            "the refresh token was accepted: it had not been rotated yet (refresh it first)"
        )

    def revoke_user(self, name: str, *, disable: bool = False) -> UserRecord:
        """Sign a user out everywhere, as ``POST /api/auth/logout`` does.

        Every refresh token of the user stops working; with ``revoke_access=True`` in the
        settings, so does every access token issued up to this instant (move the clock on
        before minting new ones).  ``disable=True`` also disables the user.

        Raises:
            NotFoundError: no such user.
        """
        user = self.services.users.find(name)
        self.services.auth.logout(user.id)
        self.services.validator.forget(str(user.id))
        if disable:
            user = self.services.users.set_disabled(name, is_disabled=True)
        return user

    def _user(self, name: str) -> UserRecord | None:
        try:
            return self.services.users.find(name)
        except NotFoundError:
            return None

    # -- keys ---------------------------------------------------------------------------

    def rotate_keys(self, *, retire_previous: bool = False) -> str:
        """Rotate as ``ticketbooth keys rotate`` does, and return the new active ``kid``.

        Tokens of the previous key keep verifying until they expire, unless
        ``retire_previous`` retires that key at once (its tokens then fail).

        Raises:
            ConfigurationError: the secret comes from the settings (``secret_key``).
        """
        previous = self.services.issuer.keys.signing_key.kid
        rotated = self.services.keyring.rotate()
        if rotated is None:  # pragma: no cover - only with a concurrent rotation
            raise AssertionError("another process rotated the keys at the same moment")
        if retire_previous:
            self.services.keyring.retire(previous)
        self.services.reload_keys()
        return rotated[0].kid

    def retire_key(self, kid: str) -> None:
        """Stop a key verifying now, as ``ticketbooth keys retire`` does.

        Raises:
            NotFoundError: no such key.
            ConfigurationError: it is the only active key.
        """
        self.services.keyring.retire(kid)
        self.services.reload_keys()
