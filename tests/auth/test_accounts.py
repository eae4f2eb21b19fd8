"""Sign-up, verification, reset and change over real repositories, on both engines."""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import event, select

from tests.auth.conftest import PASSWORD, FakeClock, fast_hasher
from ticketbooth.auth.accounts import AccountLimits, AccountService, verified_address_rule
from ticketbooth.auth.audit import Auditor, RequestContext
from ticketbooth.auth.keyring import Keyring
from ticketbooth.auth.passwords import PasswordHasher
from ticketbooth.auth.ratelimit import LoginLimiter
from ticketbooth.auth.request_limits import RequestLimiter
from ticketbooth.auth.service import AuthService
from ticketbooth.auth.users import UserAdmin
from ticketbooth.errors import (
    ConflictError,
    IncorrectPasswordError,
    InvalidCredentialsError,
    InvalidFieldError,
    InvalidLinkError,
    RegistrationClosedError,
    TooManyRequestsError,
    UnverifiedEmailError,
    WeakPasswordError,
)
from ticketbooth.mail.templates import MailTemplates
from ticketbooth.store.audit import SqlAuditLog
from ticketbooth.store.db import Database
from ticketbooth.store.keys import SqlKeyRepository
from ticketbooth.store.models import OneTimeSecret
from ticketbooth.store.one_time_secrets import SqlOneTimeSecretRepository
from ticketbooth.store.outbox import SqlOutboxRepository
from ticketbooth.store.refresh_tokens import SqlRefreshTokenRepository
from ticketbooth.store.sessions import SqlSessionRepository
from ticketbooth.store.users import SqlUserRepository
from ticketbooth.tokens.issuer import TokenIssuer

NEW_PASSWORD = "a brand new passphrase"
HERE = RequestContext(address="203.0.113.7", user_agent="pytest")


class CountingHasher(PasswordHasher):
    """Counts the argon2id work: hashes and verifications."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        inner = fast_hasher()
        super().__init__(inner._hasher, concurrency=1)

    def hash(self, password: str) -> str:
        self.calls["hash"] += 1
        return super().hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        self.calls["verify"] += 1
        return super().verify(password_hash, password)

    def verify_dummy(self, password: str) -> None:
        self.calls["verify"] += 1
        super().verify_dummy(password)


@dataclass
class Accounts:
    db: Database
    clock: FakeClock
    hasher: CountingHasher
    accounts: AccountService
    auth: AuthService
    admin: UserAdmin
    outbox: SqlOutboxRepository
    users: SqlUserRepository
    sessions: SqlSessionRepository

    def mails(self) -> list[tuple[str, str, str]]:
        return [(m.recipient, m.subject, m.body_text) for m in self.outbox.pending()]

    def last_link(self, recipient: str) -> str:
        bodies = [body for to, _s, body in self.mails() if to == recipient]
        found = re.findall(r"token=([A-Za-z0-9_-]+)", bodies[-1])
        return str(found[0])


def limits() -> AccountLimits:
    return AccountLimits(
        register=RequestLimiter("register", email_requests=3, address_requests=1000),
        forgot=RequestLimiter("forgot", email_requests=3, address_requests=1000),
        resend=RequestLimiter("resend", email_requests=3, address_requests=1000),
    )


def make(db: Database, clock: FakeClock, **options: Any) -> Accounts:
    hasher = CountingHasher()
    users = SqlUserRepository(db)
    refresh = SqlRefreshTokenRepository(db)
    sessions = SqlSessionRepository(db)
    outbox = SqlOutboxRepository(db)
    auditor = Auditor([SqlAuditLog(db)], now=clock.now)
    keyring = Keyring(SqlKeyRepository(db), algorithm="HS256", token_lifetime=600, now=clock.now)
    keyring.ensure_active()
    issuer = TokenIssuer(keyring.load(), issuer="tb", audience="api", lifetime=600, now=clock.now)
    return Accounts(
        db=db,
        clock=clock,
        hasher=hasher,
        accounts=AccountService(
            users=users,
            secrets=SqlOneTimeSecretRepository(db),
            outbox=outbox,
            refresh_tokens=refresh,
            sessions=sessions,
            hasher=hasher,
            templates=MailTemplates(),
            limits=limits(),
            public_url="https://auth.example.com/",
            registration=options.get("registration", "open"),
            unit_of_work=db.session,
            auditor=auditor,
            now=clock.now,
        ),
        auth=AuthService(
            users=users,
            refresh_tokens=refresh,
            issuer=issuer,
            hasher=hasher,
            limiter=LoginLimiter(),
            refresh_lifetime=86400,
            auditor=auditor,
            sessions=sessions,
            unit_of_work=db.session,
            admit=verified_address_rule(auditor) if options.get("require_verified_email") else None,
            now=clock.now,
        ),
        admin=UserAdmin(users=users, refresh_tokens=refresh, hasher=hasher, now=clock.now),
        outbox=outbox,
        users=users,
        sessions=sessions,
    )


@pytest.fixture
def acc(db: Database, clock: FakeClock) -> Accounts:
    return make(db, clock)


def test_register_mails_a_link_that_verifies_the_address(acc: Accounts) -> None:
    acc.accounts.register("zoe", "Zoe@Example.com", PASSWORD, context=HERE)
    user = acc.users.get_by_username("zoe")
    assert user is not None and user.role == "User" and not user.is_email_verified
    [(to, subject, body)] = acc.mails()
    assert (to, subject) == ("Zoe@example.com", "Confirm your email address")
    assert "https://auth.example.com/verify-email?token=" in body
    acc.accounts.verify_email(acc.last_link(to), context=HERE)
    user = acc.users.get_by_username("ZOE")
    assert user is not None and user.is_email_verified


def test_only_the_hash_of_a_secret_is_stored(acc: Accounts) -> None:
    acc.accounts.register("zoe", "zoe@example.com", PASSWORD)
    token = acc.last_link("zoe@example.com")
    assert len(token) >= 43  # 256 bits, base64url
    with acc.db.session() as session:
        stored = [row.secret_hash for row in session.scalars(select(OneTimeSecret))]
    assert token not in stored and len(stored) == 1 and len(stored[0]) == 64


def test_a_verification_link_works_once(acc: Accounts) -> None:
    acc.accounts.register("zoe", "zoe@example.com", PASSWORD)
    token = acc.last_link("zoe@example.com")
    acc.accounts.verify_email(token)
    with pytest.raises(InvalidLinkError) as info:
        acc.accounts.verify_email(token)
    assert info.value.message == "Invalid or expired link"


def test_a_verification_link_expires_after_24_hours(acc: Accounts) -> None:
    acc.accounts.register("zoe", "zoe@example.com", PASSWORD)
    token = acc.last_link("zoe@example.com")
    acc.clock.advance(24 * 3600)
    with pytest.raises(InvalidLinkError):
        acc.accounts.verify_email(token)


@pytest.mark.parametrize("token", ["", "nope", "x" * 43])
def test_an_unknown_link_is_refused(acc: Accounts, token: str) -> None:
    with pytest.raises(InvalidLinkError):
        acc.accounts.verify_email(token)
    with pytest.raises(InvalidLinkError):
        acc.accounts.reset_password(token, NEW_PASSWORD)


def test_registration_off_is_closed(db: Database, clock: FakeClock) -> None:
    acc = make(db, clock, registration="off")
    with pytest.raises(RegistrationClosedError) as info:
        acc.accounts.register("zoe", "zoe@example.com", PASSWORD)
    assert info.value.message == "Registration is closed"
    assert acc.users.get_by_username("zoe") is None and acc.mails() == []


def test_a_taken_username_in_any_case_is_a_conflict(acc: Accounts) -> None:
    acc.accounts.register("zoe", "zoe@example.com", PASSWORD)
    with pytest.raises(ConflictError) as info:
        acc.accounts.register("ZOE", "other@example.com", PASSWORD)
    assert info.value.message == "The username is taken"


def test_a_registered_address_gets_no_account_and_its_owner_a_mail(acc: Accounts) -> None:
    acc.accounts.register("zoe", "zoe@example.com", PASSWORD)
    acc.accounts.register("mallory", "ZOE@example.com", PASSWORD)
    assert acc.users.get_by_username("mallory") is None
    subjects = [subject for _to, subject, _b in acc.mails()]
    assert subjects == ["Confirm your email address", "You already have an account"]


@pytest.mark.parametrize("email", ["nope", "a@b", "two@@example.com"])
def test_a_malformed_address_is_refused(acc: Accounts, email: str) -> None:
    with pytest.raises(InvalidFieldError) as info:
        acc.accounts.register("zoe", email, PASSWORD)
    assert info.value.message.startswith("email: ")


def test_a_weak_password_is_refused_everywhere(acc: Accounts) -> None:
    with pytest.raises(WeakPasswordError):
        acc.accounts.register("zoe", "zoe@example.com", "short")
    acc.accounts.register("zoe", "zoe@example.com", PASSWORD)
    acc.accounts.forgot_password("zoe@example.com")
    token = acc.last_link("zoe@example.com")
    with pytest.raises(WeakPasswordError):
        acc.accounts.reset_password(token, "password")
    acc.accounts.reset_password(token, NEW_PASSWORD)  # the weak try did not spend it
    user = acc.users.get_by_username("zoe")
    assert user is not None
    with pytest.raises(WeakPasswordError):
        acc.accounts.change_password(user.id, None, NEW_PASSWORD, "12345678")


def test_usernames_and_addresses_are_unique_regardless_of_case(acc: Accounts) -> None:
    acc.admin.add("zoe", PASSWORD, role="User", email="zoe@example.com")
    with pytest.raises(ConflictError):
        acc.admin.add("ZOE", PASSWORD, role="User")
    with pytest.raises(ConflictError):
        acc.admin.add("zoe2", PASSWORD, role="User", email="ZOE@EXAMPLE.COM")
    assert acc.auth.login("Zoe", PASSWORD).user.username == "zoe"


def test_forgot_and_reset_end_every_session(acc: Accounts) -> None:
    acc.admin.add("zoe", PASSWORD, role="User", email="zoe@example.com")
    first = acc.auth.login("zoe", PASSWORD)
    acc.auth.login("zoe", PASSWORD)
    acc.accounts.forgot_password("ZOE@example.com")
    [(to, subject, body)] = acc.mails()
    assert subject == "Reset your password" and "/reset-password?token=" in body
    acc.accounts.reset_password(acc.last_link(to), NEW_PASSWORD)
    assert acc.sessions.list_for_user(first.user.id) == []
    with pytest.raises(InvalidCredentialsError):
        acc.auth.login("zoe", PASSWORD)
    assert acc.auth.login("zoe", NEW_PASSWORD)


def test_a_reset_link_expires_after_30_minutes(acc: Accounts) -> None:
    acc.admin.add("zoe", PASSWORD, role="User", email="zoe@example.com")
    acc.accounts.forgot_password("zoe@example.com")
    acc.clock.advance(30 * 60)
    with pytest.raises(InvalidLinkError):
        acc.accounts.reset_password(acc.last_link("zoe@example.com"), NEW_PASSWORD)


def test_twenty_simultaneous_resets_with_one_link_succeed_once(acc: Accounts) -> None:
    acc.admin.add("zoe", PASSWORD, role="User", email="zoe@example.com")
    acc.accounts.forgot_password("zoe@example.com")
    token = acc.last_link("zoe@example.com")
    barrier = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def use(n: int) -> None:
        barrier.wait()
        try:
            acc.accounts.reset_password(token, f"{NEW_PASSWORD} {n}")
            result = "ok"
        except InvalidLinkError:
            result = "refused"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=use, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Counter(outcomes) == {"ok": 1, "refused": 19}


def test_change_password_ends_every_other_session(acc: Accounts) -> None:
    acc.admin.add("zoe", PASSWORD, role="User", email="zoe@example.com")
    mine = acc.auth.login("zoe", PASSWORD)
    acc.auth.login("zoe", PASSWORD)
    user_id = mine.user.id
    with pytest.raises(IncorrectPasswordError) as info:
        acc.accounts.change_password(user_id, None, "wrong password!", NEW_PASSWORD)
    assert info.value.message == "The current password is incorrect"
    keep = acc.sessions.list_for_user(user_id)[-1].id
    assert len(acc.sessions.list_for_user(user_id)) == 2
    acc.accounts.change_password(user_id, keep, PASSWORD, NEW_PASSWORD)
    assert [s.id for s in acc.sessions.list_for_user(user_id)] == [keep]
    assert acc.auth.login("zoe", NEW_PASSWORD)


def test_verified_address_required_for_login_when_configured(
    db: Database, clock: FakeClock
) -> None:
    acc = make(db, clock, require_verified_email=True)
    acc.accounts.register("zoe", "zoe@example.com", PASSWORD)
    with pytest.raises(InvalidCredentialsError):
        acc.auth.login("zoe", "wrong password!")
    with pytest.raises(UnverifiedEmailError) as info:
        acc.auth.login("zoe", PASSWORD)
    assert info.value.message == "Confirm your email address first"
    acc.accounts.verify_email(acc.last_link("zoe@example.com"))
    assert acc.auth.login("zoe", PASSWORD)


def test_invite_mode_needs_a_good_code_once(db: Database, clock: FakeClock) -> None:
    acc = make(db, clock, registration="invite")
    with pytest.raises(RegistrationClosedError):
        acc.accounts.register("zoe", "zoe@example.com", PASSWORD)
    with pytest.raises(RegistrationClosedError):
        acc.accounts.register("zoe", "zoe@example.com", PASSWORD, invite_code="made-up")
    code = acc.accounts.create_invite(role="Admin", days=1)
    acc.accounts.register("zoe", "zoe@example.com", PASSWORD, invite_code=code)
    user = acc.users.get_by_username("zoe")
    assert user is not None and user.role == "Admin"
    with pytest.raises(RegistrationClosedError):
        acc.accounts.register("ann", "ann@example.com", PASSWORD, invite_code=code)
    late = acc.accounts.create_invite(role="User", days=1)
    clock.advance(86400)
    with pytest.raises(RegistrationClosedError):
        acc.accounts.register("ann", "ann@example.com", PASSWORD, invite_code=late)


def test_requests_for_mail_are_limited_per_address(acc: Accounts) -> None:
    for _ in range(3):
        acc.accounts.forgot_password("nobody@example.com", context=HERE)
    with pytest.raises(TooManyRequestsError) as info:
        acc.accounts.forgot_password("NOBODY@example.com", context=HERE)
    assert info.value.message == "Too many requests; try again later"


# -- no enumeration: the same work on both paths ---------------------------------------


@contextmanager
def counting(acc: Accounts) -> Iterator[Counter[str]]:
    """Counts SQL statements by verb, and argon2id calls, while the block runs."""
    counts: Counter[str] = Counter()

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        counts[statement.split(None, 1)[0].upper()] += 1

    acc.hasher.calls.clear()
    event.listen(acc.db.engine, "before_cursor_execute", count)
    try:
        yield counts
    finally:
        event.remove(acc.db.engine, "before_cursor_execute", count)
        counts.update({f"argon2 {k}": v for k, v in acc.hasher.calls.items()})


def test_forgot_password_does_the_same_work_for_an_unknown_address(acc: Accounts) -> None:
    acc.admin.add("zoe", PASSWORD, role="User", email="zoe@example.com")
    with counting(acc) as known:
        acc.accounts.forgot_password("zoe@example.com")
    with counting(acc) as unknown:
        acc.accounts.forgot_password("nobody@example.com")
    assert known == unknown and known["INSERT"] >= 2


def test_resend_verification_does_the_same_work_for_any_address(acc: Accounts) -> None:
    acc.accounts.register("zoe", "zoe@example.com", PASSWORD)
    acc.admin.add("ann", PASSWORD, role="User", email="ann@example.com")  # verified
    with counting(acc) as unverified:
        acc.accounts.resend_verification("zoe@example.com")
    with counting(acc) as verified:
        acc.accounts.resend_verification("ann@example.com")
    with counting(acc) as unknown:
        acc.accounts.resend_verification("nobody@example.com")
    assert unverified == verified == unknown


def test_register_does_the_same_work_for_a_registered_address(acc: Accounts) -> None:
    acc.accounts.register("zoe", "zoe@example.com", PASSWORD)
    with counting(acc) as new:
        acc.accounts.register("ann", "ann@example.com", PASSWORD)
    with counting(acc) as again:
        acc.accounts.register("mallory", "zoe@example.com", PASSWORD)
    assert new == again and new["argon2 hash"] == 1
