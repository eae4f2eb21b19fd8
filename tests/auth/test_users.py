"""UserAdmin: validation on add, role and password changes, disable, delete."""

from __future__ import annotations

import pytest

from tests.auth.conftest import PASSWORD, World
from ticketbooth.auth.audit import RequestContext
from ticketbooth.auth.service import hash_refresh_token
from ticketbooth.tokens.errors import (
    ConfigurationError,
    ConflictError,
    InvalidCredentialsError,
    InvalidRefreshTokenError,
    NotFoundError,
    WeakPasswordError,
)

CONTEXT = RequestContext(address="192.0.2.1")
NEW_PASSWORD = "a completely different passphrase"


def test_add(world: World) -> None:
    user = world.admin.add("john", PASSWORD, role="Admin", email="john@example.com")
    assert (user.username, user.role, user.email, user.is_disabled) == (
        "john",
        "Admin",
        "john@example.com",
        False,
    )
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert world.hasher.verify(user.password_hash, PASSWORD)
    assert world.admin.find("john") == user
    assert world.admin.list() == [user]


def test_add_without_email(world: World) -> None:
    assert world.admin.add("john", PASSWORD, role="User").email is None


@pytest.mark.parametrize("username", ["", "has space", "x" * 151, "semi;colon", "ünïcode"])
def test_add_refuses_a_bad_username(world: World, username: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        world.admin.add(username, PASSWORD, role="User")
    assert info.value.message.startswith("usernames are 1-150 characters")
    assert world.admin.list() == []


def test_add_accepts_the_longest_username(world: World) -> None:
    assert world.admin.add("a.b_c@d+e-" + "x" * 140, PASSWORD, role="User")


@pytest.mark.parametrize("role", ["Boss", "admin", ""])
def test_add_refuses_an_unknown_role(world: World, role: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        world.admin.add("john", PASSWORD, role=role)
    assert info.value.message == f"unknown role {role!r}; use one of Admin, User"


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "two@@example.com", "x" * 65 + "@a.io"])
def test_add_refuses_a_bad_email(world: World, email: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        world.admin.add("john", PASSWORD, role="User", email=email)
    assert info.value.message == f"{email!r} is not an email address"


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        pytest.param("short1!", "the password must be at least 8 characters", id="short"),
        pytest.param("ab" * 513, "the password must be at most 1024 characters", id="long"),
        pytest.param(
            "Password123", "the password is on the list of commonly used passwords", id="common"
        ),
        pytest.param("abababab", "the password repeats too few distinct characters", id="repeats"),
        pytest.param(
            "my name is JOHN!", "the password must not contain the username", id="username"
        ),
    ],
)
def test_add_refuses_a_weak_password(world: World, password: str, reason: str) -> None:
    with pytest.raises(WeakPasswordError) as info:
        world.admin.add("john", password, role="User")
    assert info.value.message == reason
    assert password not in str(info.value)
    assert world.admin.list() == []


def test_add_a_taken_username(world: World) -> None:
    world.add_user("john")
    with pytest.raises(ConflictError) as info:
        world.admin.add("john", NEW_PASSWORD, role="Admin")
    assert info.value.message == "user 'john' already exists"


def test_find_unknown(world: World) -> None:
    with pytest.raises(NotFoundError) as info:
        world.admin.find("ghost")
    assert info.value.message == "no user 'ghost'"


def test_set_role(world: World) -> None:
    world.add_user()
    assert world.admin.set_role("john", "Admin").role == "Admin"
    pair = world.auth.login("john", PASSWORD, context=CONTEXT)
    assert world.validator.validate(pair.access_token)["role"] == "Admin"


def test_set_role_refuses_an_unknown_role(world: World) -> None:
    world.add_user()
    with pytest.raises(ConfigurationError):
        world.admin.set_role("john", "Root")
    assert world.admin.find("john").role == "User"


def test_set_password_changes_it_and_revokes_refresh_tokens(world: World) -> None:
    world.add_user()
    pairs = [world.auth.login("john", PASSWORD, context=CONTEXT) for _ in range(2)]

    world.admin.set_password("john", NEW_PASSWORD)

    for pair in pairs:
        record = world.refresh_tokens.find_by_hash(hash_refresh_token(pair.refresh_token))
        assert record is not None
        assert record.revoked_reason == "password-changed"
        with pytest.raises(InvalidRefreshTokenError):
            world.auth.refresh(pair.refresh_token)
    with pytest.raises(InvalidCredentialsError):
        world.auth.login("john", PASSWORD, context=CONTEXT)
    world.auth.login("john", NEW_PASSWORD, context=CONTEXT)


def test_set_password_refuses_a_weak_one(world: World) -> None:
    user = world.add_user()
    with pytest.raises(WeakPasswordError):
        world.admin.set_password("john", "short")
    assert world.admin.find("john").password_hash == user.password_hash


def test_disable_revokes_refresh_tokens_and_enable_lets_the_user_back(world: World) -> None:
    world.add_user()
    pair = world.auth.login("john", PASSWORD, context=CONTEXT)

    assert world.admin.set_disabled("john", is_disabled=True).is_disabled is True
    record = world.refresh_tokens.find_by_hash(hash_refresh_token(pair.refresh_token))
    assert record is not None
    assert record.revoked_reason == "user-disabled"
    with pytest.raises(InvalidCredentialsError):
        world.auth.login("john", PASSWORD, context=CONTEXT)

    assert world.admin.set_disabled("john", is_disabled=False).is_disabled is False
    world.auth.login("john", PASSWORD, context=CONTEXT)
    with pytest.raises(InvalidRefreshTokenError):
        world.auth.refresh(pair.refresh_token)  # enabling does not revive old tokens


def test_delete(world: World) -> None:
    user = world.add_user()
    pair = world.auth.login("john", PASSWORD, context=CONTEXT)

    world.admin.delete("john")

    assert world.users.get(user.id) is None
    assert world.refresh_tokens.find_by_hash(hash_refresh_token(pair.refresh_token)) is None
    with pytest.raises(NotFoundError):
        world.admin.delete("john")


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda admin: admin.set_role("ghost", "Admin"), id="set_role"),
        pytest.param(lambda admin: admin.set_password("ghost", NEW_PASSWORD), id="set_password"),
        pytest.param(lambda admin: admin.set_disabled("ghost", is_disabled=True), id="disable"),
        pytest.param(lambda admin: admin.delete("ghost"), id="delete"),
    ],
)
def test_changes_to_an_unknown_user(world: World, change) -> None:
    with pytest.raises(NotFoundError) as info:
        change(world.admin)
    assert info.value.message == "no user 'ghost'"
