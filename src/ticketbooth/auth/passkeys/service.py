"""Passkeys: WebAuthn registration and usernameless sign-in (docs/passkeys.md).

Each ceremony starts with options that carry a fresh 256-bit challenge, stored only as
its SHA-256 for :data:`CHALLENGE_SECONDS`.  The response names its challenge in
``clientDataJSON``; it is spent by one conditional DELETE before anything else is
checked, so a response (and a replay of it) is judged once, on any instance.

A sign-in finds the passkey by its credential id (the authenticator chose it: no
username is asked), checks the user handle, the origin, the RP id, user verification
and the signature, then the signature counter: a counter that does not move forward
(when either side is non-zero) is a cloned authenticator, refused and audited.  The
session it starts has ``amr`` :data:`PASSKEY_METHODS`; a passkey with user verification
is two factors at once, so no TOTP step follows.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import secrets
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn

from ...errors import BadRequestError, ConflictError, InvalidPasskeyError
from ...store.passkey_records import PasskeyChallengeRecord, PasskeyRecord, PasskeyRepository
from ...store.records import UnitOfWork, UserRecord, UserRepository
from ..audit import NO_CONTEXT, Auditor, RequestContext
from ..grants import TokenPair
from ..request_limits import RequestLimiter
from ..sessions import SessionManager
from . import _webauthn
from ._webauthn import RejectedError
from .keeping import HARDWARE_KEY, PasskeyKeeping
from .relying_party import RelyingParty

log = logging.getLogger("ticketbooth.auth")

PASSKEY_METHODS = (HARDWARE_KEY, "user")
"""RFC 8176 ``amr`` of a passkey sign-in: a hardware-held key, and the user verified."""

CHALLENGE_SECONDS = 300
"""How long the options of one ceremony stay usable."""

MAX_PASSKEYS = 20
"""Passkeys one user may hold."""

REGISTER = "register"
LOGIN = "login"

MALFORMED = "credential: not a WebAuthn response as PublicKeyCredential.toJSON() writes it"
NOT_VERIFIED = "The passkey could not be verified"
REGISTRATION_OVER = "The registration expired or was already used; start again"
TOO_MANY = f"You have {MAX_PASSKEYS} passkeys, the most allowed; delete one first"

StartSession = Callable[[UserRecord, Sequence[str], RequestContext], TokenPair]


def hash_challenge(challenge: bytes) -> str:
    """The SHA-256 hex digest stored for a challenge."""
    return hashlib.sha256(challenge).hexdigest()


class Passkeys(PasskeyKeeping):
    """Registering, listing and deleting passkeys, and signing in with one.

    Args:
        repo: credentials and challenges.
        users: the user repository.
        start_session: starts the session of a signed-in user
            (:meth:`~ticketbooth.auth.service.AuthService.start_session`).
        relying_party: the RP id and the origins allowed.
        sessions: ends the sessions a passkey signed in when a user's passkeys are
            removed; None: nothing to end (no sessions are kept).
        auditor: where every registration, deletion and sign-in is recorded.
        unit_of_work: as for :class:`~ticketbooth.auth.service.AuthService`: the
            counter, the session and their audit rows commit together.
        now: the clock.
        options_limiter: counts sign-in options per client address (each writes a
            challenge row, and asking needs no authentication); None: no limit.
    """

    def __init__(
        self,
        *,
        repo: PasskeyRepository,
        users: UserRepository,
        start_session: StartSession,
        relying_party: RelyingParty,
        sessions: SessionManager | None = None,
        auditor: Auditor | None = None,
        unit_of_work: UnitOfWork = contextlib.nullcontext,
        now: Callable[[], float] = time.time,
        options_limiter: RequestLimiter | None = None,
    ) -> None:
        self._repo = repo
        self._options_limiter = options_limiter
        self._users = users
        self._start_session = start_session
        self._sessions = sessions
        self.relying_party = relying_party
        self._audit = auditor or Auditor(now=now)
        self._uow = unit_of_work
        self._now = now

    def _utcnow(self) -> datetime:
        return datetime.fromtimestamp(self._now(), UTC)

    def _new_challenge(self, purpose: str, user: UserRecord | None, handle: bytes | None) -> bytes:
        challenge = secrets.token_bytes(32)
        self._repo.add_challenge(
            PasskeyChallengeRecord(
                challenge_hash=hash_challenge(challenge),
                purpose=purpose,
                expires_at=self._utcnow() + timedelta(seconds=CHALLENGE_SECONDS),
                user_id=user.id if user else None,
                user_handle=handle,
            )
        )
        return challenge

    # -- registration ----------------------------------------------------------------

    def registration_options(self, user: UserRecord) -> dict[str, Any]:
        """Creation options for ``navigator.credentials.create`` (as JSON).

        Resident key and user verification required, attestation ``none``; the user's
        passkeys are excluded, so one authenticator is not registered twice.

        Raises:
            ConflictError: the user already holds :data:`MAX_PASSKEYS`.
        """
        existing = self._repo.list_for_user(user.id)
        if len(existing) >= MAX_PASSKEYS:
            raise ConflictError(TOO_MANY)
        handle = existing[0].user_handle if existing else secrets.token_bytes(32)
        challenge = self._new_challenge(REGISTER, user, handle)
        return _webauthn.creation_options(
            self.relying_party,
            user_name=user.username,
            user_handle=handle,
            challenge=challenge,
            exclude=[(r.credential_id, r.transports) for r in existing],
            timeout_ms=CHALLENGE_SECONDS * 1000,
        )

    def register(
        self,
        user: UserRecord,
        name: str,
        credential: Mapping[str, Any],
        *,
        context: RequestContext = NO_CONTEXT,
    ) -> PasskeyRecord:
        """Verify a registration response and store the passkey under ``name``.

        Raises:
            BadRequestError: the response is malformed or fails verification, or its
                challenge is unknown, expired, another user's or already used.
            ConflictError: the passkey is already registered, or the user holds
                :data:`MAX_PASSKEYS`.
        """
        try:
            data = _webauthn.client_data(credential)
        except RejectedError as exc:
            self._refuse_registration(user, context, exc.reason, MALFORMED)
        challenge = self._repo.take_challenge(
            hash_challenge(data.challenge), REGISTER, user.id, self._utcnow()
        )
        if challenge is None or challenge.user_handle is None:
            self._refuse_registration(user, context, "unknown_challenge", REGISTRATION_OVER)
        try:
            new = _webauthn.verify_registration(
                credential, challenge=data.challenge, rp=self.relying_party
            )
        except RejectedError as exc:
            self._refuse_registration(user, context, exc.reason, NOT_VERIFIED)
        record = PasskeyRecord(
            id=str(uuid.uuid4()),
            user_id=user.id,
            credential_id=new.credential_id,
            user_handle=challenge.user_handle,
            public_key=new.public_key,
            sign_count=new.sign_count,
            transports=new.transports,
            name=name,
            created_at=self._utcnow(),
        )
        try:
            with self._uow():
                if self._repo.count_for_user(user.id) >= MAX_PASSKEYS:
                    raise ConflictError(TOO_MANY)
                self._repo.add(record)
                self._audit.record(
                    "passkey_registered",
                    user_id=user.id,
                    username=user.username,
                    context=context,
                    passkey_id=record.id,
                )
        except ConflictError as exc:
            reason = "duplicate" if exc.message != TOO_MANY else "too_many"
            self._registration_failed(user, context, reason)
            raise
        return record

    def _refuse_registration(
        self, user: UserRecord, context: RequestContext, reason: str, message: str
    ) -> NoReturn:
        self._registration_failed(user, context, reason)
        raise BadRequestError(message)

    def _registration_failed(self, user: UserRecord, context: RequestContext, reason: str) -> None:
        self._audit.record(
            "passkey_registered",
            "failure",
            user_id=user.id,
            username=user.username,
            context=context,
            reason=reason,
        )

    # -- sign-in ---------------------------------------------------------------------

    def login_options(self, *, context: RequestContext = NO_CONTEXT) -> dict[str, Any]:
        """Request options for a usernameless sign-in (no ``allowCredentials``).

        Raises:
            TooManyRequestsError: the client address asked too often (no challenge is
                stored, nothing is audited: a flood writes no rows).
        """
        if self._options_limiter is not None:
            self._options_limiter.hit_address(context.address or "unknown")
        challenge = self._new_challenge(LOGIN, None, None)
        return _webauthn.request_options(
            self.relying_party, challenge=challenge, timeout_ms=CHALLENGE_SECONDS * 1000
        )

    def login(
        self, credential: Mapping[str, Any], *, context: RequestContext = NO_CONTEXT
    ) -> TokenPair:
        """Sign in with a passkey alone; starts a session with ``amr`` ``hwk user``.

        Raises:
            InvalidPasskeyError: whatever the reason (``.reason`` names it, and the
                audit trail records it): a malformed response, an unknown, expired or
                spent challenge, an unknown or deleted passkey, a user handle that is
                not the passkey's, a wrong origin or RP id, no user verification, a bad
                signature, a counter that went backwards, a disabled user.
        """
        try:
            assertion = _webauthn.parse_assertion(credential)
        except RejectedError as exc:
            self._refuse(context, exc.reason)
        if (
            self._repo.take_challenge(
                hash_challenge(assertion.client_data.challenge), LOGIN, None, self._utcnow()
            )
            is None
        ):
            self._refuse(context, "unknown_challenge")
        record = self._repo.get_by_credential_id(assertion.credential_id)
        if record is None:
            self._refuse(context, "unknown_credential")
        user = self._users.get(record.user_id)
        handle = assertion.user_handle
        if user is None or handle is None or not hmac.compare_digest(handle, record.user_handle):
            self._refuse(context, "wrong_user_handle", record)
        try:
            count = _webauthn.verify_assertion(
                assertion,
                challenge=assertion.client_data.challenge,
                rp=self.relying_party,
                public_key=record.public_key,
            )
        except RejectedError as exc:
            self._refuse(context, exc.reason, record, user)
        if user.is_disabled:
            self._refuse(context, "disabled", record, user)
        if (count > 0 or record.sign_count > 0) and count <= record.sign_count:
            self._regressed(context, record, user, count)
        try:
            with self._uow():
                if not self._repo.use(record.id, count, self._utcnow()):
                    raise RejectedError("counter_regression")
                self._audit.record(
                    "passkey_used",
                    user_id=user.id,
                    username=user.username,
                    context=context,
                    passkey_id=record.id,
                )
                return self._start_session(user, PASSKEY_METHODS, context)
        except RejectedError:  # a concurrent sign-in moved the counter first
            self._regressed(context, record, user, count)

    def _regressed(
        self, context: RequestContext, record: PasskeyRecord, user: UserRecord, count: int
    ) -> NoReturn:
        log.warning(
            "passkey %s of user %s: signature counter %d is not above %d (cloned authenticator?)",
            record.id,
            user.id,
            count,
            record.sign_count,
        )
        self._refuse(
            context,
            "counter_regression",
            record,
            user,
            stored=record.sign_count,
            presented=count,
        )

    def _refuse(
        self,
        context: RequestContext,
        reason: str,
        record: PasskeyRecord | None = None,
        user: UserRecord | None = None,
        **detail: str | int,
    ) -> NoReturn:
        if record is not None:
            detail["passkey_id"] = record.id
        self._audit.record(
            "login",
            "failure",
            user_id=record.user_id if record else None,
            username=user.username if user else None,
            context=context,
            method="passkey",
            reason=reason,
            **detail,
        )
        raise InvalidPasskeyError(reason)

    def purge(self) -> int:
        """Delete expired challenges (a background job); returns how many."""
        return self._repo.purge_challenges(self._utcnow())
