"""Cost of one client-credentials token request, by client authentication, against the floor.

In process, on the parts ``ticketbooth.assembly.build`` wires for ``serve`` (SQLite in a
fresh directory, the default HS256 key), without HTTP, one call at a time:

* sign only: ``TokenIssuer.issue_token`` of the same client token.
* floor: ``OAuthService.issue`` for a client already in hand: the signature and the audit
  row (one committed insert) every token request pays, whatever authenticated the client.
* client_secret: ``OAuthService.authenticate`` (the rate-limit check, the client row,
  HMAC-SHA256 of the secret, ``compare_digest``) then ``issue``.
* private_key_jwt: the same with a signed assertion (ES256, a registered PEM key): its
  signature and claims checked, its ``jti`` claimed with one conditional insert.  The
  assertions are signed beforehand: that is the client's cost, not the server's.
* argon2id: one ``PasswordHasher.verify`` (argon2-cffi's defaults): what every token
  request would pay on top if client secrets were hashed like passwords.

``--rounds`` rounds, the order rotating; the median round per contender, in wall time and
in the process's CPU time (every thread's, so argon2id's pool counts: on a loaded machine
its nice-19 threads wait far longer than they work); ratios to the floor of the same
run.  On a shared machine absolute times drift: read the ratios, and the CPU column.

    .venv/bin/python bench/oauth.py [--calls 300] [--rounds 5]
"""

import os
import sys

# This directory also holds http.py, which would shadow the standard library's ``http``
# package when a script here runs: search it last.
sys.path.sort(
    key=lambda entry: os.path.realpath(entry or ".") == os.path.dirname(os.path.realpath(__file__))
)

import argparse
import gc
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc import jwt
from joserfc.jwk import ECKey

from ticketbooth.assembly import Services, build
from ticketbooth.auth.oauth import ClientCredentials
from ticketbooth.auth.passwords import PasswordHasher
from ticketbooth.config import Settings
from ticketbooth.tokens.profiles import CLIENT_ACCESS

AUDIENCES = {"ticketbooth"}


def timed(work: Callable[[int], object], calls: int) -> tuple[float, float]:
    """Microseconds per call of ``work(i)`` over ``calls`` calls, wall and CPU, the
    collector off."""
    gc.collect()
    gc.disable()
    try:
        start, cpu = time.perf_counter(), time.process_time()
        for i in range(calls):
            work(i)
        wall = time.perf_counter() - start
        return wall / calls * 1e6, (time.process_time() - cpu) / calls * 1e6
    finally:
        gc.enable()


def contenders(svc: Services, calls: int, rounds: int) -> dict[str, Callable[[int], object]]:
    """Each contender as ``work(i)``, its clients registered and checked once."""
    secret_client = svc.clients.add("bench-secret", scopes=("orders:read",))
    private = ec.generate_private_key(ec.SECP256R1())
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    key_client = svc.clients.add("bench-key", scopes=("orders:read",), public_key_pem=public_pem)
    key = ECKey.import_key(private)
    key_id = key_client.record.client_id
    total = calls * (rounds + 1)  # the warm-up round too
    now = int(time.time())
    assertions = [
        jwt.encode(
            {"alg": "ES256"},
            {
                "iss": key_id,
                "sub": key_id,
                "aud": "ticketbooth",
                "iat": now,
                "exp": now + 290,
                "jti": secrets.token_urlsafe(16),
            },
            key,
        )
        for _ in range(total)
    ]
    used = iter(assertions)
    assert secret_client.secret is not None
    secret = ClientCredentials(
        "client_secret_basic", secret_client.record.client_id, secret=secret_client.secret
    )
    hasher = PasswordHasher()
    password_hash = hasher.hash("correct horse battery staple")

    record = svc.clients.get("bench-secret")

    def floor(_: int) -> object:
        return svc.oauth.issue(record, None)

    def sign_only(_: int) -> object:
        return svc.issuer.issue_token(
            CLIENT_ACCESS,
            subject=secret.client_id or "",
            claims={"client_id": secret.client_id, "scope": "orders:read"},
        )

    def with_secret(_: int) -> object:
        client = svc.oauth.authenticate(secret, audiences=AUDIENCES)
        return svc.oauth.issue(client, None)

    def with_key(_: int) -> object:
        credentials = ClientCredentials("private_key_jwt", key_id, assertion=next(used))
        client = svc.oauth.authenticate(credentials, audiences=AUDIENCES)
        return svc.oauth.issue(client, None)

    def argon2id(_: int) -> object:
        assert hasher.verify(password_hash, "correct horse battery staple")
        return None

    return {
        "floor (issue: sign + audit)": floor,
        "sign only": sign_only,
        "client_secret_basic": with_secret,
        "private_key_jwt (ES256)": with_key,
        "argon2id verify alone": argon2id,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{Path(tmp) / 'bench.db'}")
        svc = build(settings)
        try:
            work = contenders(svc, args.calls, args.rounds)
            names = list(work)
            argon_calls = max(10, args.calls // 30)  # ~50 ms each: fewer calls
            for name in names:  # warm-up
                timed(work[name], argon_calls if "argon2" in name else args.calls)
            results: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
            for r in range(args.rounds):
                for name in names[r % len(names) :] + names[: r % len(names)]:
                    calls = argon_calls if "argon2" in name else args.calls
                    results[name].append(timed(work[name], calls))
        finally:
            svc.close()

    def median(name: str, column: int) -> float:
        return statistics.median(r[column] for r in results[name])

    floor, floor_cpu = median(names[0], 0), median(names[0], 1)
    print(f"median of {args.rounds} rounds, {args.calls} calls each (argon2id fewer)")
    print(f"{'contender':<28} {'us/call':>10} {'x floor':>8} {'CPU us':>10} {'x floor':>8}")
    for name in names:
        wall, cpu = median(name, 0), median(name, 1)
        print(f"{name:<28} {wall:>10.1f} {wall / floor:>8.2f} {cpu:>10.1f} {cpu / floor_cpu:>8.2f}")


if __name__ == "__main__":
    main()
