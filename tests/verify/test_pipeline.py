"""Issue 11: ``ticketbooth.verify`` runs the issuer's own pipeline, not a copy of it."""

from __future__ import annotations

import pytest

from ticketbooth.tokens import (
    Key,
    KeySet,
    RevocationList,
    RevokedTokenError,
    TokenIssuer,
)
from ticketbooth.tokens.errors import WrongTokenTypeError
from ticketbooth.tokens.profiles import ACCESS_PROFILES, CLIENT_ACCESS, MFA_STEP
from ticketbooth.verify import Verifier

SECRET = b"verify-pipeline-secret-of-32-bytes-or-more"
NOW = 1_900_000_000.0


def parts(**kwargs: object) -> tuple[TokenIssuer, Verifier]:
    keys = KeySet([Key.from_secret(SECRET)])
    issuer = TokenIssuer(keys, issuer="iss", audience="aud", lifetime=300, now=lambda: NOW)
    verifier = Verifier(keys, issuer="iss", audience="aud", now=lambda: NOW, **kwargs)  # type: ignore[arg-type]
    return issuer, verifier


def test_revocations_and_cache_apply() -> None:
    revocations = RevocationList(token_lifetime=300, now=lambda: NOW)
    issuer, verifier = parts(cache_size=4, revocations=revocations)
    token = issuer.issue(subject="1", name="ada", role="User", session_id="s-1").token
    assert verifier.principal(token).session_id == "s-1"
    assert verifier.keys is not None and verifier.params.issuer == "iss"
    revocations.revoke_session("s-1", NOW)
    with pytest.raises(RevokedTokenError):
        verifier.validate(token)  # cached, and refused all the same


def test_user_profile_only_by_default() -> None:
    issuer, verifier = parts()
    client = issuer.issue_token(CLIENT_ACCESS, subject="7", claims={"client_id": "7"}).token
    with pytest.raises(WrongTokenTypeError) as info:
        verifier.principal(client)
    assert info.value.typ == "at+jwt"


def test_client_tokens_are_clients_where_admitted() -> None:
    issuer, verifier = parts(profiles=ACCESS_PROFILES)
    client = issuer.issue_token(
        CLIENT_ACCESS, subject="7", claims={"client_id": "7", "scope": "a b"}
    ).token
    caller = verifier.principal(client)
    assert (caller.kind, caller.client_id, caller.scopes) == ("client", "7", frozenset("ab"))
    assert not caller.has_role("User")


def test_an_internal_profile_names_no_caller() -> None:
    issuer, verifier = parts(profiles=(MFA_STEP,))
    step = issuer.issue_token(MFA_STEP, subject="1").token
    assert verifier.validate(step)["sub"] == "1"
    with pytest.raises(WrongTokenTypeError):
        verifier.principal(step)
