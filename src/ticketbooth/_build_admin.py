"""Builds the admin console (:mod:`ticketbooth.auth.admin`) over the running services."""

from __future__ import annotations

from collections.abc import Callable

from .assembly import Services
from .auth.admin import (
    AdminConsole,
    AuditConsole,
    ClientConsole,
    KeyConsole,
    StatusProbe,
    UserConsole,
)
from .store.audit_query import SqlAuditQuery
from .store.db import check_connection
from .store.directory import SqlUserDirectory
from .store.users import SqlUserRepository

REDIS_TIMEOUT_SECONDS = 2.0


def redis_probe(url: str) -> Callable[[], bool]:
    """Whether the Redis at ``url`` answers a PING (within two seconds)."""

    def answers() -> bool:
        import redis

        client = redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT_SECONDS)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    return answers


def build_admin(svc: Services) -> AdminConsole:
    """The console's users, keys, clients, audit and status parts, sharing ``svc``'s
    services."""
    db = svc.db
    users = UserConsole(
        users=svc.users,
        directory=SqlUserDirectory(db),
        sessions=svc.sessions,
        mfa=svc.mfa,
        passkeys=svc.passkeys,
        unit_of_work=db.session,
    )
    keys = KeyConsole(
        svc.keys,
        signing_kid=lambda: svc.issuer.keys.signing_key.kid,
        reload=svc.reload_keys,
    )
    audit = AuditConsole(
        query=SqlAuditQuery(db), chain=svc.audit_log, users=SqlUserRepository(db), now=svc.now
    )
    redis_url = svc.settings.redis_url
    status = StatusProbe(
        check_database=lambda: check_connection(db.engine),
        check_redis=redis_probe(redis_url) if redis_url else None,
        keys=keys,
        audit=audit,
        now=svc.now,
    )
    clients = ClientConsole(svc.clients, unit_of_work=db.session)
    return AdminConsole(users=users, keys=keys, clients=clients, audit=audit, status=status)
