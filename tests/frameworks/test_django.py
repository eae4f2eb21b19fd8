"""ticketbooth.django through DRF's APIClient and Django's test Client, on the ordersite example."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "examples" / "django_project"))
os.environ["DJANGO_SETTINGS_MODULE"] = "ordersite.settings"
os.environ["ORDERSITE_DATABASE"] = ":memory:"

import django  # noqa: E402 - after the settings module is named

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from tests.servers import SECRET  # noqa: E402
from ticketbooth.django import ConfigError, HasRole, HasScope, TokenUser  # noqa: E402
from ticketbooth.django._config import parse  # noqa: E402
from ticketbooth.verify import JWKSVerifier, Verifier  # noqa: E402

from .conftest import Issuer  # noqa: E402
from .contract import Answer, Contract, bearer  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def database() -> None:
    call_command("migrate", verbosity=0)


def _answer(response: Any) -> Answer:
    headers = {name.lower(): value for name, value in response.headers.items()}
    return Answer(response.status_code, headers, response.json())


def _call(
    client: Any, verifier: Verifier, method: str, path: str, headers: dict[str, str]
) -> Answer:
    with override_settings(TICKETBOOTH={"VERIFIER": verifier}):
        return _answer(client.generic(method, path, headers=headers))


class TestDRF(Contract):
    SCOPE_HEADER = False  # DRF's PermissionDenied carries no WWW-Authenticate header

    def call(self, verifier: Verifier, method: str, path: str, headers: dict[str, str]) -> Answer:
        return _call(APIClient(), verifier, method, path, headers)


class TestPlainDjango(Contract):
    ME_PATHS = ("/plain/me",)
    ADMIN_PATH = "/plain/admin"  # an async view
    ORDERS_PATH = "/plain/orders"

    def call(self, verifier: Verifier, method: str, path: str, headers: dict[str, str]) -> Answer:
        return _call(Client(), verifier, method, path, headers)


@pytest.fixture
def mapped(issuer: Issuer) -> Iterator[None]:
    config = {"VERIFIER": issuer.verifier(), "LOCAL_USER_CLAIM": "name"}
    with override_settings(TICKETBOOTH=config):
        yield
    get_user_model().objects.all().delete()


@pytest.mark.usefixtures("mapped")
def test_local_users_are_created_on_first_sight(issuer: Issuer) -> None:
    client = APIClient()
    for _ in range(2):
        response = client.get("/api/me", headers=bearer(issuer.token("john")))
        assert response.status_code == 200
        assert response.json()["userName"] == "john"
    user = get_user_model().objects.get()
    assert user.username == "john"
    assert not user.has_usable_password()


@pytest.mark.usefixtures("mapped")
def test_a_disabled_local_user_is_refused(issuer: Issuer) -> None:
    get_user_model().objects.create(username="john", is_active=False)

    response = APIClient().get("/api/me", headers=bearer(issuer.token("john")))

    assert (response.status_code, response.json()) == (401, {"message": "The user is disabled"})


def test_a_token_without_the_mapped_claim_is_refused(issuer: Issuer) -> None:
    config = {"VERIFIER": issuer.verifier(), "LOCAL_USER_CLAIM": "tenant"}
    with override_settings(TICKETBOOTH=config):
        response = Client().get("/plain/me", headers=bearer(issuer.token("john")))
    assert (response.status_code, response.json()) == (
        401,
        {"message": "A required claim is missing"},
    )
    assert not get_user_model().objects.exists()


def test_without_mapping_the_user_is_a_token_user(issuer: Issuer) -> None:
    from django.urls import path
    from rest_framework.response import Response
    from rest_framework.views import APIView

    class Who(APIView):
        def get(self, request: Any) -> Response:
            user = request.user
            assert isinstance(user, TokenUser)
            return Response(
                {
                    "user": str(user),
                    "authenticated": user.is_authenticated,
                    "staff": user.is_staff,
                    "perm": user.has_perm("orders.delete"),
                    "sub": request.auth["sub"],
                }
            )

    urls = type("urls", (), {"urlpatterns": [path("who", Who.as_view())]})
    with override_settings(ROOT_URLCONF=urls, TICKETBOOTH={"VERIFIER": issuer.verifier()}):
        response = APIClient().get("/who", headers=bearer(issuer.token("admin")))
    assert response.json() == {
        "user": "admin",
        "authenticated": True,
        "staff": False,
        "perm": False,
        "sub": "1",
    }


def test_permissions_compose_with_drfs_operators(issuer: Issuer) -> None:
    from django.urls import path
    from rest_framework.response import Response
    from rest_framework.views import APIView

    class Either(APIView):
        permission_classes = (HasRole("Admin") | HasScope("orders:read"),)

        def get(self, request: Any) -> Response:
            return Response({"ok": True})

    urls = type("urls", (), {"urlpatterns": [path("either", Either.as_view())]})
    with override_settings(ROOT_URLCONF=urls, TICKETBOOTH={"VERIFIER": issuer.verifier()}):
        client = APIClient()
        admin = client.get("/either", headers=bearer(issuer.token("admin")))
        scoped = client.get("/either", headers=bearer(issuer.scoped("orders:read")))
        neither = client.get("/either", headers=bearer(issuer.token("john")))
    assert (admin.status_code, scoped.status_code, neither.status_code) == (200, 200, 403)


def test_cookie_mode_reads_the_cookie_and_checks_csrf(issuer: Issuer) -> None:
    config = {"VERIFIER": issuer.verifier(), "COOKIES": True}
    with override_settings(TICKETBOOTH=config):
        client = Client()
        client.cookies["access_token"] = issuer.token("john")
        client.cookies["csrf"] = "c" * 43
        assert client.get("/plain/me").status_code == 200
        refused = client.post("/plain/me")
        assert refused.status_code == 403
        assert refused.json()["message"].startswith("Missing or invalid CSRF token")
        assert client.post("/plain/me", headers={"X-CSRF-Token": "c" * 43}).status_code == 200


def test_the_setting_builds_a_verifier() -> None:
    jwks = parse({"ISSUER_URL": "http://127.0.0.1:9", "AUDIENCE": "orders"}).verifier
    assert isinstance(jwks, JWKSVerifier)
    assert jwks.params.audience == "orders"
    shared = parse({"SECRET_KEY": SECRET, "ISSUER": "me", "LEEWAY": 5}).verifier
    assert (shared.params.issuer, shared.params.leeway) == ("me", 5.0)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "settings.TICKETBOOTH must be a dict"),
        ({}, "needs ISSUER_URL (the JWKS) or SECRET_KEY (HS256)"),
        ({"SECRET": "x"}, "unknown key 'SECRET'"),
        ({"SECRET_KEY": "short"}, "settings.TICKETBOOTH: "),
        ({"ISSUER_URL": "http://auth.example.com"}, "must be fetched over https"),
        ({"VERIFIER": "nope"}, "must be a ticketbooth Verifier"),
        ({"SECRET_KEY": SECRET, "LEEWAY": "soon"}, "settings.TICKETBOOTH: could not convert"),
    ],
)
def test_a_wrong_setting_says_what_is_wrong(value: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse(value)


def test_permission_classes_need_a_name() -> None:
    with pytest.raises(ValueError, match="at least one role"):
        HasRole()
    with pytest.raises(ValueError, match="at least one scope"):
        HasScope("")


@pytest.mark.parametrize(
    ("headers", "status", "message"),
    [
        ({}, 401, "Authentication required"),
        ({"Authorization": "Bearer not.a.jwt"}, 401, "The token is malformed"),
        (None, 200, None),
    ],
)
def test_drf_alone_without_the_middleware(
    issuer: Issuer, headers: dict[str, str] | None, status: int, message: str | None
) -> None:
    sent = bearer(issuer.token("john")) if headers is None else headers
    with override_settings(MIDDLEWARE=[], TICKETBOOTH={"VERIFIER": issuer.verifier()}):
        response = APIClient().get("/api/me", headers=sent)
    assert response.status_code == status
    if message is not None:
        assert response.json() == {"message": message}
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
