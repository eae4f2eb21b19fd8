"""The app that bench/sessions_vs_jwt.py measures: ``GET /me``, authenticated one way.

One process serves one way (``MODE``), so every variant has the very same app, route and
middleware, and differs only in the dependency that says who the caller is.  Every
dependency reads the token the same way, with ticketbooth's own ``bearer_token``, and
returns a ``Principal``; the route answers ``{"userId", "userName", "role"}`` exactly as
ticketbooth's ``GET /api/products/my-info`` does.

* ``bare``: no dependency at all; the route answers a fixed user.
* ``ticketbooth`` / ``ticketbooth-uncached``: ``ticketbooth.web.require_user`` with
  ``ticketbooth.web.attach(app, validator)``, a ``TokenValidator`` for HS256 with the
  service's default cache size, or with ``cache_size=0``.
* ``pyjwt``: an ``async def`` dependency calling ``jwt.decode`` with the same checks
  (HS256 only, ``iss``, ``aud``, ``exp``/``nbf``/``iat``, ``exp iss aud sub`` required).
* ``sqlalchemy``: the opaque session id looked up per request in the SQLite ``sessions``
  table the way FastAPI's SQL tutorial does it: a sync ``get_db`` generator yielding a
  SQLAlchemy ``Session`` from ``sessionmaker`` and a sync ``def`` dependency calling
  ``db.get``; FastAPI runs both in its threadpool.
* ``sqlite3``: the same lookup with the standard library only, one connection per
  threadpool thread (``threading.local``), a sync ``def`` dependency (one threadpool trip).
* ``sqlite3-loop``: the same query in an ``async def`` dependency on one connection, on
  the event loop itself: blocking, which is acceptable only because a primary-key lookup
  in a cached SQLite file takes microseconds.  No app should copy it blindly; it is here
  to tell what the store costs from what the threadpool trips cost.
* ``redis``: the session id looked up with redis-py's asyncio client, ``GET`` of a JSON
  value, in an ``async def`` dependency.

Run by sessions_vs_jwt.py, served like ``ticketbooth serve``: uvicorn, uvloop and
httptools, ``log_level="warning"``, one process::

    python bench/session_app.py MODE --port PORT

with ``BENCH_SECRET`` (the HS256 secret), ``BENCH_SQLITE`` (the SQLite file) and
``BENCH_REDIS_URL``/``BENCH_REDIS_PREFIX`` in the environment, as the mode needs.
"""

import os
import sys

# This directory also holds http.py, which would shadow the standard library's ``http``
# package (uvicorn and starlette import it) when a script here runs: search it last.
sys.path.sort(
    key=lambda entry: os.path.realpath(entry or ".") == os.path.dirname(os.path.realpath(__file__))
)

import argparse
import contextlib
import json
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import jwt
import redis.asyncio
import uvicorn
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from sqlalchemy import String, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from ticketbooth.auth.principal import Principal
from ticketbooth.config import Settings
from ticketbooth.tokens import Key, KeySet, TokenValidator, ValidationParameters
from ticketbooth.web import attach, require_user
from ticketbooth.web.dependencies import bearer_token
from ticketbooth.web.errors import install_handlers

ISSUER = "ticketbooth"
AUDIENCE = "ticketbooth-api"
REQUIRED = ["exp", "iss", "aud", "sub"]
DEFAULT_CACHE_SIZE: int = Settings.model_fields["validation_cache_size"].default
"""The service's own default (``TICKETBOOTH_VALIDATION_CACHE_SIZE``), 10,000."""

MODES = {
    "bare": "bare (no auth)",
    "ticketbooth": "ticketbooth",
    "ticketbooth-uncached": "ticketbooth uncached",
    "pyjwt": "PyJWT",
    "sqlalchemy": "SQLite session (SQLAlchemy)",
    "sqlite3": "SQLite session (sqlite3)",
    "sqlite3-loop": "SQLite session (in loop)",
    "redis": "Redis session",
}
"""Each mode and its label in the report."""

JWT_MODES = ("ticketbooth", "ticketbooth-uncached", "pyjwt")
SESSION_MODES = ("redis", "sqlalchemy", "sqlite3", "sqlite3-loop")

Dependency = Callable[..., Any]


class Base(DeclarativeBase):
    pass


class SessionRow(Base):
    """One server-side session: what the opaque id in the Authorization header names."""

    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    user_id: Mapped[str]
    username: Mapped[str]
    role: Mapped[str]
    expires_at: Mapped[int]


def unauthorized() -> HTTPException:
    return HTTPException(401, "Invalid or expired session", {"WWW-Authenticate": "Bearer"})


# -- the dependencies, one per mode ----------------------------------------------------


def ticketbooth_dependency(app: FastAPI, cache_size: int) -> Dependency:
    secret = os.environ["BENCH_SECRET"].encode()
    validator = TokenValidator(
        KeySet([Key.from_secret(secret)]),
        ValidationParameters(issuer=ISSUER, audience=AUDIENCE),
        cache_size=cache_size,
    )
    attach(app, validator)
    return require_user


def pyjwt_dependency(_app: FastAPI) -> Dependency:
    secret = os.environ["BENCH_SECRET"].encode()
    options: Any = {"require": REQUIRED}

    async def pyjwt_user(request: Request) -> Principal:
        try:
            claims = jwt.decode(
                bearer_token(request),
                secret,
                algorithms=["HS256"],
                audience=AUDIENCE,
                issuer=ISSUER,
                options=options,
            )
        except jwt.InvalidTokenError as exc:
            raise HTTPException(401, "Invalid token", {"WWW-Authenticate": "Bearer"}) from exc
        return Principal.from_claims(claims)

    return pyjwt_user


def sqlalchemy_dependency(_app: FastAPI) -> Dependency:
    # As in FastAPI's SQL tutorial: an engine, a sessionmaker, a get_db generator.
    engine = create_engine(
        f"sqlite:///{os.environ['BENCH_SQLITE']}", connect_args={"check_same_thread": False}
    )
    session_local = sessionmaker(engine, autoflush=False)

    def get_db() -> Iterator[Session]:
        db = session_local()
        try:
            yield db
        finally:
            db.close()

    def sqlalchemy_user(request: Request, db: Session = Depends(get_db)) -> Principal:
        row = db.get(SessionRow, bearer_token(request))
        if row is None or row.expires_at <= time.time():
            raise unauthorized()
        return Principal(user_id=row.user_id, username=row.username, role=row.role)

    return sqlalchemy_user


def sqlite3_dependency(_app: FastAPI) -> Dependency:
    path = os.environ["BENCH_SQLITE"]
    local = threading.local()
    query = "SELECT user_id, username, role FROM sessions WHERE id = ? AND expires_at > ?"

    def sqlite3_user(request: Request) -> Principal:
        connection: sqlite3.Connection | None = getattr(local, "connection", None)
        if connection is None:
            connection = local.connection = sqlite3.connect(path)
        row = connection.execute(query, (bearer_token(request), time.time())).fetchone()
        if row is None:
            raise unauthorized()
        return Principal(user_id=row[0], username=row[1], role=row[2])

    return sqlite3_user


def sqlite3_loop_dependency(_app: FastAPI) -> Dependency:
    connection = sqlite3.connect(os.environ["BENCH_SQLITE"], check_same_thread=False)
    query = "SELECT user_id, username, role FROM sessions WHERE id = ? AND expires_at > ?"

    async def sqlite3_loop_user(request: Request) -> Principal:
        row = connection.execute(query, (bearer_token(request), time.time())).fetchone()
        if row is None:
            raise unauthorized()
        return Principal(user_id=row[0], username=row[1], role=row[2])

    return sqlite3_loop_user


def redis_dependency(app: FastAPI) -> Dependency:
    prefix = os.environ["BENCH_REDIS_PREFIX"]

    async def redis_user(request: Request) -> Principal:
        client: redis.asyncio.Redis = request.app.state.redis
        raw = await client.get(prefix + bearer_token(request))
        if raw is None:
            raise unauthorized()
        session = json.loads(raw)
        if session["expiresAt"] <= time.time():
            raise unauthorized()
        return Principal(
            user_id=session["userId"], username=session["userName"], role=session["role"]
        )

    return redis_user


@contextlib.asynccontextmanager
async def redis_lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.redis = redis.asyncio.Redis.from_url(os.environ["BENCH_REDIS_URL"])
    try:
        yield
    finally:
        await app.state.redis.aclose()


DEPENDENCIES: dict[str, Callable[[FastAPI], Dependency]] = {
    "ticketbooth": lambda app: ticketbooth_dependency(app, DEFAULT_CACHE_SIZE),
    "ticketbooth-uncached": lambda app: ticketbooth_dependency(app, 0),
    "pyjwt": pyjwt_dependency,
    "sqlalchemy": sqlalchemy_dependency,
    "sqlite3": sqlite3_dependency,
    "sqlite3-loop": sqlite3_loop_dependency,
    "redis": redis_dependency,
}


# -- the app -----------------------------------------------------------------------------


def create_app(mode: str) -> FastAPI:
    """The one-route app, authenticated the way ``mode`` says."""
    app = FastAPI(lifespan=redis_lifespan if mode == "redis" else None)
    install_handlers(app)  # the same error handlers in every mode (attach adds them too)

    if mode == "bare":
        anonymous = {"userId": "0", "userName": "anonymous", "role": "User"}

        @app.get("/me")
        async def bare_me() -> JSONResponse:
            return JSONResponse(anonymous)

        return app

    dependency = DEPENDENCIES[mode](app)

    @app.get("/me")
    async def me(user: Principal = Depends(dependency)) -> JSONResponse:
        return JSONResponse({"userId": user.user_id, "userName": user.username, "role": user.role})

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=list(MODES))
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(
        create_app(args.mode),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        loop="uvloop",
        http="httptools",
    )


if __name__ == "__main__":
    main()
