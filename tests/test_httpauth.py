"""ticketbooth.httpauth: the framework-neutral rules every adapter and the service share."""

from __future__ import annotations

import json

import pytest

from ticketbooth.httpauth import (
    InsufficientScopeError,
    MissingTokenError,
    authorizer,
    bearer_token,
    check_csrf,
    error_answer,
    request_token,
)
from ticketbooth.principal import Principal
from ticketbooth.tokens.errors import (
    ConfigurationError,
    ConflictError,
    CsrfError,
    ExpiredTokenError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    WeakPasswordError,
)

JOHN = Principal(user_id="2", username="john", role="User", scopes=frozenset({"a", "b"}))
CLIENT = Principal(user_id="svc", username="", role="", kind="client", scopes=frozenset({"a"}))


@pytest.mark.parametrize("header", ["Bearer t", "bearer t", "BEARER  t ", "Bearer  t"])
def test_bearer_token_reads_the_scheme_in_any_case(header: str) -> None:
    assert bearer_token(header) == "t"


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "Basic t", "Bearert", "t"])
def test_bearer_token_refuses_anything_else(header: str | None) -> None:
    with pytest.raises(MissingTokenError):
        bearer_token(header)


def test_cookie_mode_reads_the_cookie_only_without_an_authorization_header() -> None:
    cookies = {"access_token": "from-cookie", "csrf": "c"}
    assert request_token(None, cookies=cookies) == "from-cookie"
    assert request_token("Bearer from-header", cookies=cookies) == "from-header"
    with pytest.raises(MissingTokenError):
        request_token("Basic eDp5", cookies=cookies)  # the caller chose another scheme
    with pytest.raises(MissingTokenError):
        request_token(None)  # cookie mode off
    with pytest.raises(MissingTokenError):
        request_token(None, cookies={})


@pytest.mark.parametrize("method", ["POST", "put", "DELETE", "PATCH"])
def test_a_state_changing_cookie_request_needs_the_csrf_header(method: str) -> None:
    cookies = {"access_token": "t", "csrf": "c" * 43}
    with pytest.raises(CsrfError):
        request_token(None, method=method, cookies=cookies)
    with pytest.raises(CsrfError):
        request_token(None, method=method, cookies=cookies, csrf_header="d" * 43)
    assert request_token(None, method=method, cookies=cookies, csrf_header="c" * 43) == "t"


def test_check_csrf_refuses_a_missing_cookie_even_with_an_empty_header() -> None:
    with pytest.raises(CsrfError):
        check_csrf(None, "")
    with pytest.raises(CsrfError):
        check_csrf("", "")
    assert check_csrf("v", "v") == "v"


def test_authorizer_checks_any_role_and_every_scope() -> None:
    assert authorizer(roles=["Admin", "User"])(JOHN) is JOHN
    assert authorizer(scopes=["a", "b"])(JOHN) is JOHN
    with pytest.raises(PermissionDeniedError, match=r"^This requires the role Admin or Ops$"):
        authorizer(roles=["Admin", "Ops"])(JOHN)
    with pytest.raises(InsufficientScopeError) as missing:
        authorizer(scopes=["a", "c"])(JOHN)
    assert missing.value.scopes == ("a", "c")
    assert missing.value.message == "This requires the scope a and c"


def test_a_client_never_holds_a_role() -> None:
    with pytest.raises(PermissionDeniedError):
        authorizer(roles=["User"])(CLIENT)
    assert authorizer(scopes=["a"])(CLIENT) is CLIENT


def test_authorizer_refuses_empty_names() -> None:
    with pytest.raises(ValueError, match="non-empty"):
        authorizer(scopes=[""])


@pytest.mark.parametrize(
    ("exc", "status", "message", "headers"),
    [
        (MissingTokenError(), 401, "Authentication required", (("WWW-Authenticate", "Bearer"),)),
        (
            ExpiredTokenError(expired_at=1),
            401,
            "The token expired",
            (
                (
                    "WWW-Authenticate",
                    'Bearer error="invalid_token", error_description="The token expired"',
                ),
            ),
        ),
        (PermissionDeniedError("No"), 403, "No", ()),
        (
            InsufficientScopeError(["x"]),
            403,
            "This requires the scope x",
            (
                (
                    "WWW-Authenticate",
                    'Bearer error="insufficient_scope", '
                    'error_description="This requires the scope x", scope="x"',
                ),
            ),
        ),
        (NotFoundError(), 404, "Not found", ()),
        (ConflictError(), 409, "Already exists", ()),
        (WeakPasswordError("too short"), 422, "too short", ()),
        (RateLimitedError(7), 429, RateLimitedError.description, (("Retry-After", "7"),)),
        (ConfigurationError("secret detail"), 500, "Internal server error", ()),
    ],
)
def test_error_answers(
    exc: Exception, status: int, message: str, headers: tuple[tuple[str, str], ...]
) -> None:
    assert isinstance(exc, Exception)
    answer = error_answer(exc)  # type: ignore[arg-type]
    assert (answer.status, answer.message, answer.headers) == (status, message, headers)
    assert json.loads(answer.body) == {"message": message}
    assert answer.content_type == "application/json"


def test_the_body_is_compact_json_like_starlettes() -> None:
    assert error_answer(MissingTokenError()).body == b'{"message":"Authentication required"}'
