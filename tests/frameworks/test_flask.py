"""ticketbooth.flask through Flask's own test client, with tokens from a real server."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, ClassVar

import pytest
from examples.flask_app import create_app
from flask import Flask

from ticketbooth.flask import TicketBooth, current_principal, roles_required, scopes_required
from ticketbooth.verify import Verifier

from .conftest import Issuer
from .contract import Answer, Contract, bearer


@cache
def app_for(verifier: Verifier) -> Flask:
    return create_app(verifier)


class TestFlask(Contract):
    ME_PATHS = ("/api/me", "/api/async/me", "/api/whoami")

    def call(self, verifier: Verifier, method: str, path: str, headers: dict[str, str]) -> Answer:
        response = app_for(verifier).test_client().open(path, method=method, headers=headers)
        return Answer(
            response.status_code,
            {name.lower(): value for name, value in response.headers.items()},
            response.get_json(),
        )


def test_init_app_for_application_factories(issuer: Issuer) -> None:
    extension = TicketBooth()
    app = Flask(__name__)
    extension.init_app(app, issuer.verifier())

    @app.get("/me")
    def me() -> dict[str, str]:
        return {"name": current_principal.username}

    response = app.test_client().get("/me", headers=bearer(issuer.token("admin")))
    assert (response.status_code, response.get_json()) == (200, {"name": "admin"})


def test_init_app_without_a_verifier_is_refused() -> None:
    with pytest.raises(ValueError, match="needs a verifier"):
        TicketBooth().init_app(Flask(__name__))


def test_current_principal_without_the_extension_says_so() -> None:
    app = Flask(__name__)

    with app.test_request_context("/"), pytest.raises(RuntimeError, match="not set up"):
        _ = current_principal.user_id


def test_decorators_need_a_name() -> None:
    with pytest.raises(ValueError, match="at least one role"):
        roles_required()
    with pytest.raises(ValueError, match="at least one scope"):
        scopes_required()


def test_cookie_mode_reads_the_cookie_and_checks_csrf(issuer: Issuer) -> None:
    app = Flask(__name__)
    TicketBooth(app, issuer.verifier(), cookies=True)

    @app.route("/orders", methods=["GET", "POST"])
    @roles_required("User")
    def orders() -> dict[str, str]:
        return {"name": current_principal.username}

    client = app.test_client()
    client.set_cookie("access_token", issuer.token("john"))
    client.set_cookie("csrf", "c" * 43)
    assert client.get("/orders").get_json() == {"name": "john"}

    refused = client.post("/orders")
    assert refused.status_code == 403
    assert refused.get_json()["message"].startswith("Missing or invalid CSRF token")
    assert client.post("/orders", headers={"X-CSRF-Token": "c" * 43}).status_code == 200

    # an Authorization header of another scheme is never read from the cookie
    other = client.get("/orders", headers={"Authorization": "Basic am9objpzZWNyZXQ="})
    assert (other.status_code, other.get_json()) == (401, {"message": "Authentication required"})


def test_class_based_views_take_the_decorators(issuer: Issuer) -> None:
    from flask.views import MethodView

    class Orders(MethodView):
        decorators: ClassVar[list[Callable[..., Any]]] = [roles_required("Admin")]

        def get(self) -> dict[str, str]:
            return {"name": current_principal.username}

        async def delete(self) -> tuple[str, int]:
            return "", 204

    app = Flask(__name__)
    TicketBooth(app, issuer.verifier())
    app.add_url_rule("/orders", view_func=Orders.as_view("orders"))
    client = app.test_client()

    assert client.get("/orders", headers=bearer(issuer.token("admin"))).status_code == 200
    assert client.delete("/orders", headers=bearer(issuer.token("admin"))).status_code == 204
    refused = client.delete("/orders", headers=bearer(issuer.token("john")))
    assert (refused.status_code, refused.get_json()) == (
        403,
        {"message": "This requires the role Admin"},
    )
