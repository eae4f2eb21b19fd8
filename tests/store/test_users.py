"""SqlUserRepository on every engine."""

from __future__ import annotations

import pytest

from tests.store.conftest import NOW
from ticketbooth.store.users import SqlUserRepository
from ticketbooth.tokens.errors import ConflictError


def test_add_returns_the_stored_user(users: SqlUserRepository) -> None:
    added = users.add(username="alice", password_hash="h", role="Admin", email="a@example.com")
    assert added.id > 0
    assert (added.username, added.role, added.email) == ("alice", "Admin", "a@example.com")
    assert added.is_disabled is False
    assert users.get(added.id) == added


def test_add_without_email(users: SqlUserRepository) -> None:
    added = users.add(username="bob", password_hash="h", role="User", email=None)
    assert users.get(added.id) == added
    assert added.email is None


def test_duplicate_username_is_a_conflict(users: SqlUserRepository, user) -> None:
    with pytest.raises(ConflictError) as info:
        users.add(username=user.username, password_hash="h", role="User", email=None)
    assert "alice" in info.value.message
    assert [u.username for u in users.list()] == ["alice"]


def test_get_unknown_is_none(users: SqlUserRepository) -> None:
    assert users.get(12345) is None


def test_get_by_username(users: SqlUserRepository, user) -> None:
    assert users.get_by_username("alice") == user
    assert users.get_by_username("nobody") is None


def test_list_in_id_order(users: SqlUserRepository, user_factory) -> None:
    added = [user_factory(f"u{i}") for i in range(3)]
    assert users.list() == added


def test_update_changes_only_the_given_fields(users: SqlUserRepository, user) -> None:
    updated = users.update(user.id, role="Admin")
    assert updated is not None
    assert (updated.role, updated.is_disabled, updated.password_hash) == (
        "Admin",
        False,
        user.password_hash,
    )
    updated = users.update(user.id, is_disabled=True, password_hash="new-hash")
    assert updated is not None
    assert (updated.role, updated.is_disabled, updated.password_hash) == ("Admin", True, "new-hash")
    assert users.get(user.id) == updated


def test_update_unknown_is_none(users: SqlUserRepository) -> None:
    assert users.update(999, role="Admin") is None


def test_delete(users: SqlUserRepository, user) -> None:
    assert users.delete(user.id) is True
    assert users.get(user.id) is None
    assert users.delete(user.id) is False


def test_delete_cascades_to_refresh_tokens(
    users: SqlUserRepository, refresh_tokens, user, user_factory, token_factory
) -> None:
    other = user_factory("bob")
    mine = [token_factory(user.id), token_factory(user.id)]
    theirs = token_factory(other.id)
    assert users.delete(user.id)
    for record in mine:
        assert refresh_tokens.find_by_hash(record.token_hash) is None
    assert refresh_tokens.find_by_hash(theirs.token_hash) == theirs
    assert refresh_tokens.revoke_user(user.id, "logout", NOW) == 0
