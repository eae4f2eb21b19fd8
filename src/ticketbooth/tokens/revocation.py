"""Per-user and per-session "not before" times: revoking access tokens without a lookup
per request.

A stolen access token normally lives until it expires; checking a denylist in a shared
store on every request would give back the statelessness that made tokens cheap.
Instead each instance keeps, in memory, one timestamp per revoked user: tokens of that
user issued (``iat``) at or before it are refused.  An entry is dropped once no token it
covers can still be alive (``not_before + token lifetime + leeway`` has passed), so the
map holds only users revoked within the last token lifetime.  Sessions work the same
way, by the token's ``sid``: ending one login leaves the user's other logins alone.

Single tokens can be revoked too (RFC 7009 revocation of an access token): by ``jti``,
each entry kept until that token expires anyway.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any


class RevocationList:
    """In-memory ``sub`` and ``sid`` -> not-before times, safe to share between threads.

    Args:
        token_lifetime: seconds an access token lives (how long an entry matters).
        leeway: the validator's clock skew, added to that.
        now: the clock.
    """

    def __init__(
        self,
        *,
        token_lifetime: float,
        leeway: float = 0.0,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._horizon = token_lifetime + leeway + 1
        self._not_before: dict[str, float] = {}
        self._sessions: dict[str, float] = {}
        self._jtis: dict[str, float] = {}
        self._leeway = leeway
        self._lock = threading.Lock()
        self._now = now

    def __len__(self) -> int:
        return len(self._not_before) + len(self._sessions) + len(self._jtis)

    def revoke(self, subject: str, not_before: float) -> None:
        """Refuse tokens of ``subject`` issued at or before ``not_before``."""
        _move_forward(self._lock, self._not_before, subject, not_before)

    def revoke_session(self, session_id: str, not_before: float) -> None:
        """Refuse tokens whose ``sid`` is ``session_id`` issued at or before ``not_before``."""
        _move_forward(self._lock, self._sessions, session_id, not_before)

    def update(
        self, entries: Mapping[str, float], sessions: Mapping[str, float] | None = None
    ) -> None:
        """Apply many revocations (a poll or a start-up load): by user, and by session."""
        for subject, not_before in entries.items():
            self.revoke(subject, not_before)
        for session_id, not_before in (sessions or {}).items():
            self.revoke_session(session_id, not_before)

    def revoke_jti(self, jti: str, expires_at: float) -> None:
        """Refuse the one token whose ``jti`` this is (kept until ``expires_at``)."""
        with self._lock:
            self._jtis[jti] = max(expires_at, self._jtis.get(jti, float("-inf")))

    def update_jtis(self, entries: Mapping[str, float]) -> None:
        """Apply many ``{jti: expires_at}`` revocations (a poll or a start-up load)."""
        for jti, expires_at in entries.items():
            self.revoke_jti(jti, expires_at)

    def is_revoked(self, claims: Mapping[str, Any]) -> bool:
        """Whether a validated token is covered by a revocation.

        A token with no ``iat`` counts as issued long ago: revoked if its user (or its
        session) is.
        """
        jti = claims.get("jti")
        if self._jtis and isinstance(jti, str) and jti in self._jtis:
            return True
        by_user = self._not_before.get(claims.get("sub"))  # type: ignore[arg-type]
        sid = claims.get("sid")
        by_session = self._sessions.get(sid) if type(sid) is str else None
        if by_user is None and by_session is None:
            return False
        issued = claims.get("iat")
        if not isinstance(issued, int | float):
            return True
        return any(t is not None and issued <= t for t in (by_user, by_session))

    def prune(self) -> int:
        """Drop entries no live token can be covered by; returns how many."""
        cutoff = self._now() - self._horizon
        dropped = 0
        with self._lock:
            for entries in (self._not_before, self._sessions):
                stale = [key for key, t in entries.items() if t < cutoff]
                for key in stale:
                    del entries[key]
                dropped += len(stale)
            now = self._now()
            ended = [j for j, exp in self._jtis.items() if exp + self._leeway < now]
            for jti in ended:
                del self._jtis[jti]
            dropped += len(ended)
        return dropped


def _move_forward(lock: threading.Lock, entries: dict[str, float], key: str, at: float) -> None:
    with lock:
        if at > entries.get(key, float("-inf")):
            entries[key] = at
