"""Testing apps protected by ticketbooth: a pytest plugin, a frozen clock, RFC 6750 assertions.

Installing ticketbooth registers the plugin (entry point ``pytest11``); its fixtures build
a real ticketbooth (real keys, tokens, refresh-token rotation and revocation) on a
throwaway SQLite database, with cheap password hashing and one frozen clock, so tests
expire tokens by moving the clock instead of sleeping.

Fixtures:

* ``tb_clock``: the :class:`FrozenClock`; ``tb_clock.advance(minutes=61)``.
* ``tb_auth``: the :class:`AuthHarness`; every helper below is one of its methods.
* ``tb_services``: its :class:`~ticketbooth.assembly.Services`.
* ``mint_token(user="alice", role="User", *, claims, without, email, minutes, expired,
  not_yet_valid, issuer, audience, alg, kid, key)``: an access token, optionally with
  exactly one fault (see :meth:`AuthHarness.mint`).
* ``rotate_keys(retire_previous=False)``: rotate the signing keys; returns the new kid.
* ``replay_refresh(token)``: present a rotated refresh token again; returns the
  :class:`~ticketbooth.tokens.RefreshTokenReuseError` the service raised.
* ``revoke_user(name, disable=False)``: sign a user out everywhere.
* ``tb_client_for(app)``: attach ``tb_auth``'s validator to *your* FastAPI app and
  return a TestClient of it.
* ``tb_app`` / ``tb_client``: ticketbooth's own service app (login, refresh-token,
  logout, JWKS) and a TestClient of it.
* ``tb_settings``: a dict of :class:`~ticketbooth.config.Settings` values; override it,
  or mark one test: ``@pytest.mark.ticketbooth(algorithm="ES256", access_minutes=5)``.

Plain functions (import them): :func:`assert_unauthorized`, :func:`assert_forbidden`,
:func:`bearer`, :func:`isolated_settings`.

Example, testing a route of your own::

    from fastapi import Depends, FastAPI
    from ticketbooth.auth import Principal
    from ticketbooth.testing import assert_forbidden, assert_unauthorized, bearer
    from ticketbooth.web import require_role

    app = FastAPI()

    @app.delete("/orders/{id}")
    async def cancel(id: int, user: Principal = Depends(require_role("Admin"))):
        return {"cancelled": id}

    def test_admins_cancel_orders(tb_client_for, mint_token, tb_clock):
        client = tb_client_for(app)
        token = mint_token("ann", "Admin")
        assert client.delete("/orders/1", headers=bearer(token)).status_code == 200
        assert_forbidden(client.delete("/orders/1", headers=bearer(mint_token("bob"))))
        tb_clock.advance(minutes=61)
        assert_unauthorized(client.delete("/orders/1", headers=bearer(token)), "expired")

The guide with a complete example is ``docs/testing.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._assertions import REASONS, Response, assert_forbidden, assert_unauthorized
from ._clock import FrozenClock

if TYPE_CHECKING:
    from ._harness import DEFAULT_PASSWORD, AuthHarness, fast_hasher, isolated_settings
    from ._totp import totp_code

_LAZY = frozenset({"DEFAULT_PASSWORD", "AuthHarness", "fast_hasher", "isolated_settings"})


def __getattr__(name: str) -> Any:
    # The harness imports the database layer; loading it only when asked keeps the
    # plugin cheap for every pytest run in a project that merely installs ticketbooth.
    if name in _LAZY:
        from . import _harness

        return getattr(_harness, name)
    if name == "totp_code":
        from . import _totp

        return _totp.totp_code
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def bearer(token: str) -> dict[str, str]:
    """The ``Authorization`` header that carries ``token``."""
    return {"Authorization": f"Bearer {token}"}


__all__ = [
    "DEFAULT_PASSWORD",
    "REASONS",
    "AuthHarness",
    "FrozenClock",
    "Response",
    "assert_forbidden",
    "assert_unauthorized",
    "bearer",
    "fast_hasher",
    "isolated_settings",
    "totp_code",
]
