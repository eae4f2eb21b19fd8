"""Tokens from real ``ticketbooth serve`` processes, for the framework adapters' tests.

Two issuers, started once for the session: one signing HS256 with the shared secret
(verified with :class:`~ticketbooth.verify.Verifier` and that secret) and one signing
RS256 (verified with :class:`~ticketbooth.verify.JWKSVerifier` against its JWKS).  Every
token a test sends was made by the server: logged in, or minted with its keys by the
CLI's ``token mint``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from tests.servers import SECRET, Server, ServerPool, run_cli
from ticketbooth.tokens import Key, KeySet
from ticketbooth.verify import JWKSVerifier, Verifier

AUDIENCE = "ticketbooth-api"
LATER = 3 * 3600.0
"""Seconds past every token's lifetime (60 minutes by default): the clock of ``expired``."""


@dataclass
class Issuer:
    """A running ticketbooth and the tokens a test needs from it."""

    alg: str
    server: Server
    _tokens: dict[str, str] = field(default_factory=dict)
    _verifiers: dict[float, Verifier] = field(default_factory=dict)

    def verifier(self, *, now_offset: float = 0.0) -> Verifier:
        """This issuer's verifier (one per clock); ``now_offset`` moves its clock ahead."""
        if now_offset not in self._verifiers:
            self._verifiers[now_offset] = self._new_verifier(now_offset)
        return self._verifiers[now_offset]

    def _new_verifier(self, now_offset: float) -> Verifier:
        def now() -> float:
            return time.time() + now_offset

        if self.alg == "HS256":
            keys = KeySet([Key.from_secret(SECRET.encode())])
            return Verifier(keys, issuer="ticketbooth", audience=AUDIENCE, now=now)
        return JWKSVerifier(self.server.base_url, AUDIENCE, now=now)

    def token(self, name: str) -> str:
        """A logged-in user's access token: ``admin`` (Admin) or ``john`` (User)."""
        if name not in self._tokens:
            self._tokens[name] = self.server.token(name)
        return self._tokens[name]

    def mint(self, *args: str, audience: str = AUDIENCE) -> str:
        """``ticketbooth token mint ARGS`` with the server's own keys."""
        env = {**self.server.env, "TICKETBOOTH_AUDIENCE": audience}
        result = run_cli("token", "mint", *args, env=env, cwd=self.server.workdir)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    def scoped(self, scope: str) -> str:
        """john's token granting ``scope`` (space-separated)."""
        key = f"scope:{scope}"
        if key not in self._tokens:
            self._tokens[key] = self.mint("--user", "john", "--scope", scope)
        return self._tokens[key]

    def other_audience(self) -> str:
        """A token the server signed for another API."""
        if "aud" not in self._tokens:
            self._tokens["aud"] = self.mint("--user", "john", audience="another-api")
        return self._tokens["aud"]


def tampered(token: str) -> str:
    """``token`` with its payload changed (role User becomes Admin), signature kept."""
    import base64
    import json

    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["role"] = "Admin"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


@pytest.fixture(scope="session")
def issuers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Issuer]]:
    """Both issuers, with users admin (Admin) and john (User), for the whole session."""
    with ServerPool(tmp_path_factory) as pool:
        settings = {"HS256": {}, "RS256": {"TICKETBOOTH_ALGORITHM": "RS256"}}
        yield {alg: Issuer(alg, pool.start(settings=settings[alg])) for alg in ALGS}


ALGS = ("HS256", "RS256")


@pytest.fixture(params=ALGS)
def issuer(request: pytest.FixtureRequest, issuers: dict[str, Issuer]) -> Issuer:
    """Each test runs against the HS256 issuer (shared secret) and the RS256 one (JWKS)."""
    return issuers[request.param]
