"""The apps bench/frameworks.py serves: per framework, one app with three routes.

* ``/bare``        no protection: the framework's floor
* ``/ticketbooth`` protected by the ticketbooth adapter (a Verifier with the secret)
* ``/pyjwt``       protected by PyJWT the way that framework's tutorials write it

Every route answers the same small JSON object.  The secret, issuer and audience come
from the environment (``BENCH_SECRET``, ``BENCH_ISSUER``, ``BENCH_AUDIENCE``).  Served
as ``gunicorn 'framework_apps:flask_app()'``, ``gunicorn 'framework_apps:django_app()'``,
``uvicorn --factory framework_apps:litestar_app`` and ``... framework_apps:starlette_app``.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from inspect import signature
from typing import Any

import jwt

from ticketbooth.tokens import Key, KeySet
from ticketbooth.verify import Verifier

SECRET = os.environ.get("BENCH_SECRET", "")
ISSUER = os.environ.get("BENCH_ISSUER", "ticketbooth")
AUDIENCE = os.environ.get("BENCH_AUDIENCE", "ticketbooth-api")
ANSWER = {"status": "ok"}


def verifier() -> Verifier:
    # The validation cache (the service's own, on by default there) where this version's
    # Verifier offers it: a reused token then costs a dictionary lookup and the exp check.
    cache = {"cache_size": 1024} if "cache_size" in signature(Verifier).parameters else {}
    keys = KeySet([Key.from_secret(SECRET.encode())])
    return Verifier(keys, issuer=ISSUER, audience=AUDIENCE, **cache)  # type: ignore[arg-type]


def pyjwt_claims(authorization: str | None) -> dict[str, Any] | None:
    """What the tutorials write: split the header, ``jwt.decode`` with the checks on."""
    if not authorization or not authorization.lower().startswith("bearer "):
        return None
    try:
        claims: dict[str, Any] = jwt.decode(
            authorization[7:],
            SECRET,
            algorithms=["HS256"],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "iss", "aud", "sub"]},
        )
    except jwt.InvalidTokenError:
        return None
    return claims


# -- Flask (gunicorn) -------------------------------------------------------------------


def flask_app() -> Any:
    from flask import Flask, g, jsonify, request

    from ticketbooth.flask import TicketBooth, login_required

    app = Flask(__name__)
    TicketBooth(app, verifier())

    def token_required(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            claims = pyjwt_claims(request.headers.get("Authorization"))
            if claims is None:
                return jsonify(message="Invalid token"), 401
            g.claims = claims
            return view(*args, **kwargs)

        return wrapper

    @app.get("/bare")
    def bare() -> Any:
        return ANSWER

    @app.get("/ticketbooth")
    @login_required
    def protected() -> Any:
        return ANSWER

    @app.get("/pyjwt")
    @token_required
    def pyjwt_route() -> Any:
        return ANSWER

    return app


# -- Django REST framework (gunicorn) -----------------------------------------------------


def django_app() -> Any:
    import django
    from django.conf import settings

    settings.configure(
        DEBUG=False,
        ALLOWED_HOSTS=["*"],
        SECRET_KEY="bench-only",
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "rest_framework"],
        MIDDLEWARE=[],
        ROOT_URLCONF=__name__,
        DATABASES={},
        REST_FRAMEWORK={
            "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
            "UNAUTHENTICATED_USER": None,
        },
        TICKETBOOTH={"VERIFIER": verifier()},
    )
    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.urls import path
    from rest_framework.authentication import BaseAuthentication
    from rest_framework.exceptions import AuthenticationFailed
    from rest_framework.permissions import AllowAny, IsAuthenticated
    from rest_framework.response import Response
    from rest_framework.views import APIView

    from ticketbooth.django import Authenticated, TicketBoothAuthentication

    class ClaimsUser:
        is_authenticated = True

        def __init__(self, claims: dict[str, Any]) -> None:
            self.claims = claims

    class PyJWTAuthentication(BaseAuthentication):  # type: ignore[misc]
        def authenticate(self, request: Any) -> Any:
            header = request.headers.get("Authorization")
            if header is None:
                return None
            claims = pyjwt_claims(header)
            if claims is None:
                raise AuthenticationFailed("Invalid token")
            return ClaimsUser(claims), claims

        def authenticate_header(self, request: Any) -> str:
            return "Bearer"

    class Bare(APIView):  # type: ignore[misc]
        authentication_classes = ()
        permission_classes = (AllowAny,)

        def get(self, request: Any) -> Response:
            return Response(ANSWER)

    class Protected(Bare):
        authentication_classes = (TicketBoothAuthentication,)
        permission_classes = (Authenticated,)

    class PyJWT(Bare):
        authentication_classes = (PyJWTAuthentication,)
        permission_classes = (IsAuthenticated,)

    global urlpatterns
    urlpatterns = [
        path("bare", Bare.as_view()),
        path("ticketbooth", Protected.as_view()),
        path("pyjwt", PyJWT.as_view()),
    ]
    return WSGIHandler()


urlpatterns: list[Any] = []


# -- Litestar (uvicorn) -----------------------------------------------------------------


def litestar_app() -> Any:
    from litestar import Litestar, Request, get
    from litestar.exceptions import NotAuthorizedException
    from litestar.middleware import DefineMiddleware

    from ticketbooth.asgi import TicketBoothMiddleware

    def pyjwt_user(request: Request[Any, Any, Any]) -> dict[str, Any]:
        claims = pyjwt_claims(request.headers.get("Authorization"))
        if claims is None:
            raise NotAuthorizedException("Invalid token")
        return claims

    @get("/bare")
    async def bare() -> dict[str, str]:
        return ANSWER

    @get("/ticketbooth", middleware=[DefineMiddleware(TicketBoothMiddleware, verifier=verifier())])
    async def protected() -> dict[str, str]:
        return ANSWER

    @get("/pyjwt")
    async def pyjwt_route(request: Request[Any, Any, Any]) -> dict[str, str]:
        pyjwt_user(request)
        return ANSWER

    return Litestar(route_handlers=[bare, protected, pyjwt_route])


# -- Starlette (uvicorn) ----------------------------------------------------------------


def starlette_app() -> Any:
    from starlette.applications import Starlette
    from starlette.authentication import (
        AuthCredentials,
        AuthenticationBackend,
        AuthenticationError,
        SimpleUser,
        requires,
    )
    from starlette.middleware.authentication import AuthenticationMiddleware
    from starlette.requests import HTTPConnection, Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    from ticketbooth.asgi import TicketBoothMiddleware

    class PyJWTBackend(AuthenticationBackend):
        async def authenticate(self, conn: HTTPConnection) -> Any:
            claims = pyjwt_claims(conn.headers.get("Authorization"))
            if claims is None:
                raise AuthenticationError("Invalid token")
            return AuthCredentials(["authenticated"]), SimpleUser(claims["sub"])

    async def endpoint(request: Request) -> Response:
        return JSONResponse(ANSWER)

    @requires("authenticated")
    async def pyjwt_endpoint(request: Request) -> Response:
        return JSONResponse(ANSWER)

    async def asgi_endpoint(scope: Any, receive: Any, send: Any) -> None:
        await JSONResponse(ANSWER)(scope, receive, send)

    routes = [
        Route("/bare", endpoint),
        Route("/ticketbooth", TicketBoothMiddleware(asgi_endpoint, verifier())),
        Route(
            "/pyjwt",
            AuthenticationMiddleware(_asgi(pyjwt_endpoint), backend=PyJWTBackend()),
        ),
    ]
    return Starlette(routes=routes)


def _asgi(endpoint: Any) -> Any:
    from starlette.routing import request_response

    return request_response(endpoint)
