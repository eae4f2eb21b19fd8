"""The answers every framework adapter gives, whatever the framework: one suite, subclassed.

A subclass drives its framework through that framework's own test client.  Its app has:
``ME_PATHS`` (any valid token), ``ADMIN_PATH`` (role Admin) and ``ORDERS_PATH`` (scope
``orders:read``), each answering ``{"userId", "userName", "role"}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from ticketbooth.verify import Verifier

from .conftest import LATER, Issuer, tampered


@dataclass(frozen=True)
class Answer:
    """What a test client got back, framework-neutral."""

    status: int
    headers: Mapping[str, str]  # names in lower case
    body: Any

    @property
    def www_authenticate(self) -> str | None:
        return self.headers.get("www-authenticate")


def service_answer(issuer: Issuer, method: str, path: str, headers: dict[str, str]) -> Answer:
    """How the ticketbooth service itself answers the same request, over a socket."""
    with issuer.server.client() as client:
        response = client.request(method, path, headers=headers)
    return _answer(response)


def _answer(response: httpx.Response) -> Answer:
    headers = {name.lower(): value for name, value in response.headers.items()}
    return Answer(response.status_code, headers, response.json())


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


MISSING = {"message": "Authentication required"}


class Contract:
    """The suite.  Subclasses implement :meth:`call`."""

    ME_PATHS: tuple[str, ...] = ("/api/me",)
    ADMIN_PATH = "/api/admin"
    ORDERS_PATH = "/api/orders"
    SCOPE_HEADER = True
    """Whether a missing scope's 403 carries ``WWW-Authenticate: ... insufficient_scope``."""

    def call(self, verifier: Verifier, method: str, path: str, headers: dict[str, str]) -> Answer:
        raise NotImplementedError

    def get(self, issuer: Issuer, path: str, headers: dict[str, str]) -> Answer:
        return self.call(issuer.verifier(), "GET", path, headers)

    # -- admitted ---------------------------------------------------------------------

    def test_a_valid_token_is_admitted(self, issuer: Issuer) -> None:
        for path in self.ME_PATHS:
            answer = self.get(issuer, path, bearer(issuer.token("john")))
            assert answer.status == 200, (path, answer)
            assert answer.body == {"userId": "2", "userName": "john", "role": "User"}

    def test_the_scheme_name_is_case_insensitive(self, issuer: Issuer) -> None:
        headers = {"Authorization": f"bEaReR {issuer.token('john')}"}
        assert self.get(issuer, self.ME_PATHS[0], headers).status == 200

    def test_the_role_admits_its_holder(self, issuer: Issuer) -> None:
        answer = self.get(issuer, self.ADMIN_PATH, bearer(issuer.token("admin")))
        assert answer.status == 200, answer
        assert answer.body["role"] == "Admin"

    def test_the_scope_admits_a_token_granting_it(self, issuer: Issuer) -> None:
        token = issuer.scoped("orders:read orders:write")
        answer = self.get(issuer, self.ORDERS_PATH, bearer(token))
        assert answer.status == 200, answer
        assert answer.body["userName"] == "john"

    # -- refused: 401 ------------------------------------------------------------------

    def test_no_token_is_401(self, issuer: Issuer) -> None:
        for path in (*self.ME_PATHS, self.ADMIN_PATH, self.ORDERS_PATH):
            answer = self.get(issuer, path, {})
            assert (answer.status, answer.body) == (401, MISSING), path
            assert answer.www_authenticate == "Bearer"

    @pytest.mark.parametrize(
        "authorization", ["Basic am9objpzZWNyZXQ=", "Token abc", "Bearer", "Bearer   "]
    )
    def test_another_scheme_is_401(self, issuer: Issuer, authorization: str) -> None:
        answer = self.get(issuer, self.ME_PATHS[0], {"Authorization": authorization})
        assert (answer.status, answer.body) == (401, MISSING)
        assert answer.www_authenticate == "Bearer"

    def test_an_expired_token_is_401(self, issuer: Issuer) -> None:
        later = issuer.verifier(now_offset=LATER)
        answer = self.call(later, "GET", self.ME_PATHS[0], bearer(issuer.token("john")))
        assert answer.status == 401
        assert answer.body == {"message": "The token expired"}
        assert answer.www_authenticate == (
            'Bearer error="invalid_token", error_description="The token expired"'
        )

    def test_a_tampered_token_is_401(self, issuer: Issuer) -> None:
        answer = self.get(issuer, self.ADMIN_PATH, bearer(tampered(issuer.token("john"))))
        assert answer.status == 401
        assert answer.body == {"message": "The signature is invalid"}
        assert answer.www_authenticate == (
            'Bearer error="invalid_token", error_description="The signature is invalid"'
        )

    def test_a_token_for_another_audience_is_401(self, issuer: Issuer) -> None:
        answer = self.get(issuer, self.ME_PATHS[0], bearer(issuer.other_audience()))
        assert answer.status == 401
        assert answer.body == {"message": "The audience is invalid"}
        assert answer.www_authenticate == (
            'Bearer error="invalid_token", error_description="The audience is invalid"'
        )

    def test_garbage_is_401_not_500(self, issuer: Issuer) -> None:
        answer = self.get(issuer, self.ME_PATHS[0], bearer("not.a.jwt"))
        assert answer.status == 401
        assert answer.body == {"message": "The token is malformed"}

    # -- refused: 403 ------------------------------------------------------------------

    def test_the_wrong_role_is_403(self, issuer: Issuer) -> None:
        answer = self.get(issuer, self.ADMIN_PATH, bearer(issuer.token("john")))
        assert (answer.status, answer.body) == (403, {"message": "This requires the role Admin"})
        assert answer.www_authenticate is None

    def test_the_wrong_scope_is_403(self, issuer: Issuer) -> None:
        for token in (issuer.scoped("orders:write"), issuer.token("john")):
            answer = self.get(issuer, self.ORDERS_PATH, bearer(token))
            assert answer.status == 403
            assert answer.body == {"message": "This requires the scope orders:read"}
            if self.SCOPE_HEADER:
                assert answer.www_authenticate == (
                    'Bearer error="insufficient_scope", '
                    'error_description="This requires the scope orders:read", '
                    'scope="orders:read"'
                )

    # -- exactly as the service --------------------------------------------------------

    @pytest.mark.parametrize("case", ["none", "basic", "tampered", "audience"])
    def test_refusals_match_the_services_own(self, issuer: Issuer, case: str) -> None:
        headers = {
            "none": {},
            "basic": {"Authorization": "Basic am9objpzZWNyZXQ="},
            "tampered": bearer(tampered(issuer.token("john"))),
            "audience": bearer(issuer.other_audience()),
        }[case]
        ours = self.get(issuer, self.ME_PATHS[0], headers)
        theirs = service_answer(issuer, "GET", "/api/products/my-info", headers)
        assert (ours.status, ours.body, ours.www_authenticate) == (
            theirs.status,
            theirs.body,
            theirs.www_authenticate,
        )
        assert ours.headers["content-type"].startswith("application/json")

    def test_a_wrong_role_matches_the_services_own(self, issuer: Issuer) -> None:
        headers = bearer(issuer.token("john"))
        ours = self.get(issuer, self.ADMIN_PATH, headers)
        with issuer.server.client() as client:
            theirs = _answer(client.delete("/api/products/1", headers=headers))
        assert (ours.status, ours.body) == (theirs.status, theirs.body)
