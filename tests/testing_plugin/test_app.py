"""The notes app's protected routes, tested with the ``ticketbooth.testing`` fixtures only.

No server, no sleeping: tokens expire because ``tb_clock`` moves.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from ticketbooth import InvalidRefreshTokenError, RefreshTokenReuseError
from ticketbooth.testing import AuthHarness, FrozenClock, assert_forbidden, assert_unauthorized
from ticketbooth.testing import bearer as auth

from .app import create_app

Mint = Callable[..., str]


@pytest.fixture
def notes(tb_client_for: Callable[..., TestClient]) -> TestClient:
    return tb_client_for(create_app())


# -- valid ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tb_settings",
    [{"algorithm": "HS256"}, {"algorithm": "ES256"}, {"algorithm": "EdDSA"}],
    ids=["HS256", "ES256", "EdDSA"],
)
def test_a_valid_token_is_accepted(notes: TestClient, mint_token: Mint) -> None:
    response = notes.get("/notes", headers=auth(mint_token("alice")))

    assert response.status_code == 200
    assert response.json() == {"owner": "alice", "notes": ["buy milk", "rotate the keys"]}


def test_the_route_sees_the_users_claims(
    notes: TestClient, mint_token: Mint, tb_auth: AuthHarness
) -> None:
    user = tb_auth.add_user("carol", "Admin")

    response = notes.get("/whoami", headers=auth(mint_token("carol", "Admin")))

    assert response.json() == {"sub": str(user.id), "name": "carol", "role": "Admin"}


def test_a_token_from_a_real_login_is_accepted(notes: TestClient, tb_auth: AuthHarness) -> None:
    pair = tb_auth.login("dave")

    assert notes.get("/notes", headers=auth(pair.access_token)).status_code == 200


def test_no_token_is_a_bare_challenge(notes: TestClient) -> None:
    assert_unauthorized(notes.get("/notes"))
    assert_unauthorized(notes.get("/notes", headers={"Authorization": "Basic YTpi"}))


# -- expired ----------------------------------------------------------------------------


@pytest.mark.ticketbooth(access_minutes=15)
def test_a_token_expires_when_the_clock_passes_its_lifetime(
    notes: TestClient, mint_token: Mint, tb_clock: FrozenClock
) -> None:
    token = mint_token("alice")

    tb_clock.advance(minutes=15, seconds=-1)
    assert notes.get("/notes", headers=auth(token)).status_code == 200
    tb_clock.advance(1)
    assert_unauthorized(notes.get("/notes", headers=auth(token)), "expired")


@pytest.mark.ticketbooth(clock_skew_seconds=30)
def test_an_expired_token_is_refused_beyond_the_clock_skew(
    notes: TestClient, mint_token: Mint
) -> None:
    assert_unauthorized(notes.get("/notes", headers=auth(mint_token(expired=True))), "expired")


def test_a_token_from_the_future_is_not_yet_valid(notes: TestClient, mint_token: Mint) -> None:
    response = notes.get("/notes", headers=auth(mint_token(not_yet_valid=True)))

    assert_unauthorized(response, "not_yet_valid")


# -- wrong role -------------------------------------------------------------------------


def test_a_user_may_not_delete_notes(notes: TestClient, mint_token: Mint) -> None:
    response = notes.delete("/notes/1", headers=auth(mint_token("bob", "User")))

    assert_forbidden(response, "This requires the role Admin")


def test_an_admin_may_delete_notes(notes: TestClient, mint_token: Mint) -> None:
    admin = auth(mint_token("ann", "Admin"))

    assert notes.delete("/notes/1", headers=admin).status_code == 204
    assert notes.get("/notes", headers=admin).json()["notes"] == ["rotate the keys"]


def test_a_role_claim_of_another_type_is_no_role(notes: TestClient, mint_token: Mint) -> None:
    token = mint_token("ann", claims={"role": ["Admin"]})

    assert_forbidden(notes.delete("/notes/1", headers=auth(token)))


# -- wrong issuer, audience, signature, algorithm, claims ------------------------------------


def test_a_token_for_another_audience_is_refused(notes: TestClient, mint_token: Mint) -> None:
    token = mint_token("alice", audience="billing-api")

    assert_unauthorized(notes.get("/notes", headers=auth(token)), "audience")


def test_a_token_from_another_issuer_is_refused(notes: TestClient, mint_token: Mint) -> None:
    token = mint_token("alice", issuer="https://evil.example")

    assert_unauthorized(notes.get("/notes", headers=auth(token)), "issuer")


@pytest.mark.parametrize("alg", ["none", "HS512", "RS256"])
def test_another_algorithm_is_refused(notes: TestClient, mint_token: Mint, alg: str) -> None:
    token = mint_token("alice", "Admin", alg=alg)

    assert_unauthorized(notes.delete("/notes/1", headers=auth(token)), "algorithm")


def test_an_unknown_kid_is_a_bad_signature(notes: TestClient, mint_token: Mint) -> None:
    token = mint_token("alice", kid="not-a-key-of-ours")

    assert_unauthorized(notes.get("/notes", headers=auth(token)), "signature")


@pytest.mark.parametrize("claim", ["exp", "sub", "iss", "aud"])
def test_a_missing_claim_is_refused(notes: TestClient, mint_token: Mint, claim: str) -> None:
    token = mint_token("alice", without=[claim])

    assert_unauthorized(notes.get("/notes", headers=auth(token)), "missing_claim")


@pytest.mark.parametrize("token", ["not-a-token", "a.b.c", "bm90IGpzb24.e30.c2ln"])
def test_garbage_is_malformed(notes: TestClient, token: str) -> None:
    assert_unauthorized(notes.get("/notes", headers=auth(token)), "malformed")


def test_an_exp_that_is_not_a_number_is_malformed(notes: TestClient, mint_token: Mint) -> None:
    token = mint_token("alice", claims={"exp": "tomorrow"})

    assert_unauthorized(notes.get("/notes", headers=auth(token)), "malformed")


# -- rotated key ------------------------------------------------------------------------


def test_tokens_of_the_previous_key_work_until_it_is_retired(
    notes: TestClient, mint_token: Mint, rotate_keys: Callable[..., str], tb_auth: AuthHarness
) -> None:
    before = mint_token("alice")
    old_kid = tb_auth.services.issuer.keys.signing_key.kid

    new_kid = rotate_keys()
    after = mint_token("alice")

    assert new_kid != old_kid
    assert notes.get("/notes", headers=auth(before)).status_code == 200
    assert notes.get("/notes", headers=auth(after)).status_code == 200
    tb_auth.retire_key(old_kid)
    assert_unauthorized(notes.get("/notes", headers=auth(before)), "signature")
    assert notes.get("/notes", headers=auth(after)).status_code == 200


@pytest.mark.ticketbooth(algorithm="ES256")
def test_a_rotation_that_retires_at_once_cuts_old_tokens_off(
    notes: TestClient, mint_token: Mint, rotate_keys: Callable[..., str]
) -> None:
    before = mint_token("alice")

    rotate_keys(retire_previous=True)

    assert_unauthorized(notes.get("/notes", headers=auth(before)), "signature")
    assert notes.get("/notes", headers=auth(mint_token("alice"))).status_code == 200


@pytest.mark.ticketbooth(access_minutes=10)
def test_the_previous_key_retires_itself_once_its_tokens_expired(
    notes: TestClient,
    mint_token: Mint,
    rotate_keys: Callable[..., str],
    tb_auth: AuthHarness,
    tb_clock: FrozenClock,
) -> None:
    old_kid = tb_auth.services.issuer.keys.signing_key.kid
    rotate_keys()

    tb_clock.advance(minutes=11)
    tb_auth.services.reload_keys()

    assert tb_auth.services.validator.keys.find(old_kid) is None
    assert notes.get("/notes", headers=auth(mint_token("alice"))).status_code == 200


# -- reused refresh token ---------------------------------------------------------------


def test_a_reused_refresh_token_revokes_its_family(
    notes: TestClient, tb_client: TestClient, tb_auth: AuthHarness, tb_clock: FrozenClock
) -> None:
    tb_auth.add_user("erin")
    login = tb_client.post(
        "/api/auth/login", json={"username": "erin", "password": "correct horse battery staple"}
    ).json()
    rotated = tb_client.post(
        "/api/auth/refresh-token", json={"refreshToken": login["refreshToken"]}
    )
    assert rotated.status_code == 200

    replayed = tb_client.post(
        "/api/auth/refresh-token", json={"refreshToken": login["refreshToken"]}
    )
    newest = tb_client.post(
        "/api/auth/refresh-token", json={"refreshToken": rotated.json()["refreshToken"]}
    )

    assert (replayed.status_code, replayed.json()) == (
        401,
        {"message": "Invalid or expired refresh token"},
    )
    assert newest.status_code == 401
    # The access token already issued keeps working until it expires; then nothing renews it.
    access = auth(rotated.json()["accessToken"])
    assert notes.get("/notes", headers=access).status_code == 200
    tb_clock.advance(minutes=61)
    assert_unauthorized(notes.get("/notes", headers=access), "expired")


def test_replay_refresh_reports_the_revoked_family(
    tb_auth: AuthHarness, replay_refresh: Callable[[str], RefreshTokenReuseError]
) -> None:
    first = tb_auth.login("frank")
    second = tb_auth.refresh(first.refresh_token)

    error = replay_refresh(first.refresh_token)

    assert error.family_id
    with pytest.raises(InvalidRefreshTokenError):
        tb_auth.refresh(second.refresh_token)


# -- revoked user -----------------------------------------------------------------------


@pytest.mark.ticketbooth(revoke_access=True)
def test_a_revoked_users_tokens_stop_working(
    notes: TestClient,
    tb_auth: AuthHarness,
    revoke_user: Callable[..., object],
    tb_clock: FrozenClock,
) -> None:
    pair = tb_auth.login("gina")
    assert notes.get("/notes", headers=auth(pair.access_token)).status_code == 200

    revoke_user("gina")

    assert_unauthorized(notes.get("/notes", headers=auth(pair.access_token)), "expired")
    with pytest.raises(InvalidRefreshTokenError):
        tb_auth.refresh(pair.refresh_token)
    tb_clock.advance(1)
    fresh = tb_auth.login("gina")
    assert notes.get("/notes", headers=auth(fresh.access_token)).status_code == 200
