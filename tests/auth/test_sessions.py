"""Sessions (issue 11): authenticate, start a session, sid/amr, revoke one session, and
one transaction per change (the change and its audit row commit or fail together)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.auth.conftest import PASSWORD, REFRESH_LIFETIME, World
from ticketbooth.auth.audit import Auditor, RequestContext
from ticketbooth.auth.revocation import Revoker
from ticketbooth.auth.service import AuthService, TokenPair, hash_refresh_token
from ticketbooth.auth.sessions import SessionManager
from ticketbooth.store.audit import SqlAuditLog
from ticketbooth.store.records import AuditEvent, UserRecord
from ticketbooth.store.revocations import SqlRevocationRepository
from ticketbooth.store.sessions import SqlSessionRepository
from ticketbooth.tokens.errors import (
    InvalidCredentialsError,
    InvalidRefreshTokenError,
    NotFoundError,
    RefreshTokenReuseError,
    RevokedTokenError,
)
from ticketbooth.tokens.revocation import RevocationList

CONTEXT = RequestContext(address="203.0.113.9", user_agent="Mozilla/5.0 (X11) Firefox/140")


class FailingSink:
    """A transactional audit sink that is down, until told otherwise."""

    is_transactional = True

    def __init__(self) -> None:
        self.is_down = False

    def append(self, event: AuditEvent) -> None:
        if self.is_down:
            raise RuntimeError("audit table unavailable")


@dataclass
class Parts:
    world: World
    auth: AuthService
    manager: SessionManager
    store: SqlSessionRepository
    audit_log: SqlAuditLog
    sink: FailingSink
    revocations: RevocationList


@pytest.fixture
def parts(world: World) -> Parts:
    db, clock = world.db, world.clock
    store, audit_log, sink = SqlSessionRepository(db), SqlAuditLog(db), FailingSink()
    auditor = Auditor([audit_log, sink], now=clock.now)
    revocations = RevocationList(token_lifetime=600, now=clock.now)
    world.validator.revocations = revocations
    revoker = Revoker(SqlRevocationRepository(db), revocations, now=clock.now)
    auth = AuthService(
        users=world.users,
        refresh_tokens=world.refresh_tokens,
        issuer=world.issuer,
        hasher=world.hasher,
        limiter=world.limiter,
        refresh_lifetime=REFRESH_LIFETIME,
        auditor=auditor,
        revoker=revoker,
        sessions=store,
        unit_of_work=db.session,
        now=clock.now,
    )
    manager = SessionManager(
        sessions=store,
        refresh_tokens=world.refresh_tokens,
        auditor=auditor,
        revoker=revoker,
        unit_of_work=db.session,
        now=clock.now,
    )
    return Parts(world, auth, manager, store, audit_log, sink, revocations)


def events(parts: Parts) -> list[str]:
    return [f"{e.event}:{e.outcome}" for e in parts.audit_log.tail(50)]


def login(parts: Parts) -> TokenPair:
    return parts.auth.login("john", PASSWORD, context=CONTEXT)


def test_login_starts_a_session_the_access_token_names(parts: Parts) -> None:
    user = parts.world.add_user()
    pair = login(parts)

    claims = parts.world.validator.validate(pair.access_token)
    session = parts.store.get(claims["sid"])

    assert claims["amr"] == ["pwd"]
    assert session is not None
    assert (session.user_id, session.amr) == (user.id, ("pwd",))
    assert (session.ip_address, session.user_agent) == (CONTEXT.address, CONTEXT.user_agent)
    record = parts.world.refresh_tokens.find_by_hash(hash_refresh_token(pair.refresh_token))
    assert record is not None and record.family_id == session.id


def test_refresh_keeps_sid_and_amr_and_records_the_use(parts: Parts) -> None:
    parts.world.add_user()
    first = login(parts)
    sid = parts.world.validator.validate(first.access_token)["sid"]
    parts.world.clock.advance(60)

    second = parts.auth.refresh(first.refresh_token, context=CONTEXT)

    claims = parts.world.validator.validate(second.access_token)
    assert (claims["sid"], claims["amr"]) == (sid, ["pwd"])
    session = parts.store.get(sid)
    assert session is not None
    assert session.last_used_at.timestamp() == parts.world.clock.now()


def test_authenticate_reports_a_pending_second_factor(parts: Parts, world: World) -> None:
    user = world.add_user()
    needs_otp = AuthService(
        users=world.users,
        refresh_tokens=world.refresh_tokens,
        issuer=world.issuer,
        hasher=world.hasher,
        limiter=world.limiter,
        refresh_lifetime=REFRESH_LIFETIME,
        sessions=parts.store,
        second_factors=lambda u: ("totp",) if u.id == user.id else (),
        now=world.clock.now,
    )

    authentication = needs_otp.authenticate("john", PASSWORD, context=CONTEXT)

    assert authentication.user.id == user.id
    assert authentication.methods == ("pwd",)
    assert authentication.needs_second_factor
    assert authentication.pending == ("totp",)
    with pytest.raises(InvalidCredentialsError):  # a password alone starts no session
        needs_otp.login("john", PASSWORD, context=CONTEXT)
    pair = needs_otp.start_session(authentication.user, ("pwd", "otp"), CONTEXT)
    assert world.validator.validate(pair.access_token)["amr"] == ["pwd", "otp"]
    assert parts.store.list_for_user(user.id)[0].amr == ("pwd", "otp")


def test_authenticate_without_second_factors_is_complete(parts: Parts) -> None:
    parts.world.add_user()
    authentication = parts.auth.authenticate("john", PASSWORD)
    assert not authentication.needs_second_factor
    assert parts.store.list_for_user(authentication.user.id) == []  # no session yet


def test_revoking_one_session_leaves_the_others(parts: Parts) -> None:
    user = parts.world.add_user()
    laptop, phone = login(parts), login(parts)
    laptop_sid = parts.world.validator.validate(laptop.access_token)["sid"]
    parts.world.clock.advance(1)

    assert parts.manager.revoke(user.id, laptop_sid, context=CONTEXT) == 1

    with pytest.raises(InvalidRefreshTokenError):
        parts.auth.refresh(laptop.refresh_token)
    with pytest.raises(RevokedTokenError):
        parts.world.validator.validate(laptop.access_token)
    parts.world.validator.validate(phone.access_token)
    assert parts.auth.refresh(phone.refresh_token).user.id == user.id
    assert [s.id for s in parts.manager.list(user.id)] == [
        parts.world.validator.validate(phone.access_token)["sid"]
    ]
    assert "session_revoked:success" in events(parts)


def test_revoking_another_users_or_an_unknown_session_is_not_found(parts: Parts) -> None:
    john = parts.world.add_user()
    other: UserRecord = parts.world.add_user("mary")
    sid = parts.world.validator.validate(login(parts).access_token)["sid"]

    for user_id, session_id in ((other.id, sid), (john.id, "no-such-session")):
        with pytest.raises(NotFoundError) as info:
            parts.manager.revoke(user_id, session_id)
        assert info.value.message == "Session not found"
    parts.manager.revoke(john.id, sid)
    with pytest.raises(NotFoundError):  # already ended
        parts.manager.revoke(john.id, sid)


def test_logout_ends_every_session(parts: Parts) -> None:
    user = parts.world.add_user()
    login(parts), login(parts)
    assert parts.auth.logout(user.id) == 2
    assert parts.manager.list(user.id) == []


def test_reuse_ends_the_session(parts: Parts) -> None:
    parts.world.add_user()
    pair = login(parts)
    sid = parts.world.validator.validate(pair.access_token)["sid"]
    parts.auth.refresh(pair.refresh_token)
    with pytest.raises(RefreshTokenReuseError):
        parts.auth.refresh(pair.refresh_token)
    session = parts.store.get(sid)
    assert session is not None and session.revoked_reason == "reuse-detected"


# -- one transaction: the change and its audit row ------------------------------------


def test_login_without_its_audit_row_leaves_no_session(parts: Parts) -> None:
    user = parts.world.add_user()
    parts.sink.is_down = True

    with pytest.raises(RuntimeError, match="audit table unavailable"):
        login(parts)

    assert parts.store.list_for_user(user.id) == []
    assert "login:success" not in events(parts)


def test_refresh_without_its_audit_row_does_not_rotate(parts: Parts) -> None:
    parts.world.add_user()
    pair = login(parts)
    parts.sink.is_down = True

    with pytest.raises(RuntimeError):
        parts.auth.refresh(pair.refresh_token)

    parts.sink.is_down = False
    record = parts.world.refresh_tokens.find_by_hash(hash_refresh_token(pair.refresh_token))
    assert record is not None and record.revoked_at is None  # still the live token
    assert parts.auth.refresh(pair.refresh_token).user.username == "john"
    assert events(parts).count("refresh:success") == 1


def test_logout_without_its_audit_row_revokes_nothing(parts: Parts) -> None:
    user = parts.world.add_user()
    pair = login(parts)
    parts.sink.is_down = True

    with pytest.raises(RuntimeError):
        parts.auth.logout(user.id)

    parts.sink.is_down = False
    assert len(parts.manager.list(user.id)) == 1
    assert parts.auth.refresh(pair.refresh_token).user.id == user.id
