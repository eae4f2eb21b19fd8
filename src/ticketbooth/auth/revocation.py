"""Access-token revocation across instances, with a bounded delay.

:class:`Revoker` signs a user out everywhere (or ends one session): it records a
not-before time in the database, applies it to this instance's
:class:`~ticketbooth.tokens.RevocationList` at once, and publishes it on Redis (when
configured) so other instances apply it within milliseconds.  Every instance also polls
the database every ``poll_seconds``, which bounds the delay even when a Redis message is
lost: the worst case is one poll interval plus the poll's own query time.

While Redis is down the poll alone carries revocations (one warning is logged per
outage); the subscriber reconnects and subscribes again by itself when Redis returns,
and a subscription that could not be made at start-up is retried at every poll.

Single access tokens are revoked the same way, by ``jti`` (RFC 7009 revocation): one row
in ``revoked_access_tokens`` until the token would have expired, one entry in memory, and
one Redis message ``{"jti", "exp"}``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from ..store.client_records import JtiRevocationRepository
from ..store.records import RevocationRepository
from ..tokens.revocation import RevocationList

log = logging.getLogger("ticketbooth.auth")

SUBSCRIBER_RETRY_SECONDS = 0.5
"""Pause between the subscriber's reconnection attempts while Redis is down."""

CHANNEL = "ticketbooth:revocations"
"""The Redis channel's prefix; the issuer is appended, so deployments sharing a Redis
server do not revoke each other's users."""


class Revoker:
    """Records, shares and applies per-user access revocations.

    Args:
        repo: the database table of not-before times.
        revocations: this instance's in-memory list (the validator reads it).
        redis_url: publish and subscribe here when given.
        namespace: appended to the channel name (the issuer).
        now: the clock.
        jtis: the table of single tokens revoked by ``jti``; without it
            :meth:`revoke_jti` applies to this instance only.
    """

    def __init__(
        self,
        repo: RevocationRepository,
        revocations: RevocationList,
        *,
        redis_url: str | None = None,
        namespace: str = "",
        now: Callable[[], float] = time.time,
        jtis: JtiRevocationRepository | None = None,
    ) -> None:
        self._jtis = jtis
        self._channel = f"{CHANNEL}:{namespace}"
        self._repo = repo
        self.revocations = revocations
        self._redis_url = redis_url
        self._now = now
        self._seen = float("-inf")
        self._redis: Any = None
        self._pubsub_thread: Any = None
        self._wants_messages = False
        self._is_redis_down = False

    def revoke_user(self, user_id: int) -> float:
        """Refuse every access token of the user issued up to now; returns the time."""
        not_before = self._now()
        self._repo.record(user_id, not_before)
        self.revocations.revoke(str(user_id), not_before)
        self._publish({"sub": str(user_id), "nbf": not_before})
        return not_before

    def revoke_session(self, session_id: str) -> float:
        """Refuse every access token of one session issued up to now; returns the time."""
        not_before = self._now()
        self._repo.record_session(session_id, not_before)
        self.revocations.revoke_session(session_id, not_before)
        self._publish({"sid": session_id, "nbf": not_before})
        return not_before

    def revoke_jti(self, jti: str, expires_at: float) -> None:
        """Refuse one access token (by ``jti``) everywhere until it expires."""
        if self._jtis is not None:
            self._jtis.record_jti(jti, expires_at, self._now())
        self.revocations.revoke_jti(jti, expires_at)
        self._publish({"jti": jti, "exp": expires_at})

    def _publish(self, message: dict[str, str | float]) -> None:
        if not self._redis_url:
            return
        try:
            self._client().publish(self._channel, json.dumps(message))
        except Exception as exc:  # the database poll still delivers it
            log.warning("could not publish a revocation to Redis: %s", type(exc).__name__)

    def poll(self) -> int:
        """Apply revocations recorded since the last poll (and prune old ones)."""
        started = self._now()
        since = self._seen - 5  # overlap: clocks of instances differ
        users = self._repo.since(since)
        sessions = self._repo.sessions_since(since)
        self.revocations.update(users, sessions)
        count = len(users) + len(sessions)
        if self._jtis is not None:
            jtis = self._jtis.jtis_since(since)
            self.revocations.update_jtis(jtis)
            self._jtis.prune_jtis(started)
            count += len(jtis)
        self._seen = started
        self.revocations.prune()
        if self._wants_messages:
            self._check_subscription()
        return count

    def subscribe(self) -> None:
        """Start applying revocations published on Redis (a background thread).

        When Redis does not answer, the database poll carries on alone and each
        :meth:`poll` tries to subscribe again.
        """
        if not self._redis_url:
            return
        self._wants_messages = True
        self._check_subscription()

    def _check_subscription(self) -> None:
        try:
            if self._pubsub_thread is None:
                pubsub = self._client().pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(**{self._channel: self._on_message})
                self._pubsub_thread = pubsub.run_in_thread(
                    sleep_time=0.5, daemon=True, exception_handler=self._on_subscriber_error
                )
            elif self._is_redis_down:
                self._client().ping()
        except Exception as exc:  # redis.RedisError, OSError: Redis is unreachable
            self._redis_down(exc)
            return
        if self._is_redis_down:
            self._is_redis_down = False
            log.warning("Redis reachable again: revocation messages resume")

    def _on_subscriber_error(self, exc: BaseException, _pubsub: Any, _thread: Any) -> None:
        """The subscriber lost Redis: it reconnects on its next read (after a pause)."""
        self._redis_down(exc)
        time.sleep(SUBSCRIBER_RETRY_SECONDS)

    def _redis_down(self, exc: BaseException) -> None:
        if not self._is_redis_down:
            self._is_redis_down = True
            log.warning(
                "Redis unreachable (%s): revocations reach other instances through the "
                "database poll only until it returns",
                type(exc).__name__,
            )

    def close(self) -> None:
        """Stop the subscriber and close the Redis connection."""
        if self._pubsub_thread is not None:
            self._pubsub_thread.stop()
            self._pubsub_thread = None
        if self._redis is not None:
            self._redis.close()
            self._redis = None

    def _on_message(self, message: dict[str, Any]) -> None:
        try:
            data = json.loads(message["data"])
            if "jti" in data:
                self.revocations.revoke_jti(str(data["jti"]), float(data["exp"]))
            elif "sid" in data:
                self.revocations.revoke_session(str(data["sid"]), float(data["nbf"]))
            else:
                self.revocations.revoke(str(data["sub"]), float(data["nbf"]))
        except (ValueError, KeyError, TypeError):
            log.warning("ignored a malformed revocation message")

    def _client(self) -> Any:
        if self._redis is None:
            import redis

            assert self._redis_url is not None  # noqa: S101 - callers check it
            self._redis = redis.Redis.from_url(self._redis_url, socket_timeout=2)
        return self._redis
