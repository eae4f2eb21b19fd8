"""Per-call cost of validating one access token: ticketbooth versus its peers and the floor.

Contenders, each checking the same token with the same key and the same rules (the
signature with the one allowed algorithm, ``exp``/``nbf``/``iat``, the issuer, the
audience, and that ``exp``, ``iss``, ``aud`` and ``sub`` are present):

* ticketbooth: ``TokenValidator.validate``, no cache (every call does all the work)
* cached: the same with the validation cache on and the token reused (a dict hit plus
  the lifetime and revocation checks)
* PyJWT: ``jwt.decode``
* joserfc: ``jwt.decode`` plus ``JWTClaimsRegistry.validate``
* floor: the least a correct verifier must do, in plain Python with the standard
  library's json: split, decode, pin the algorithm, verify the signature (``hmac`` or
  ``cryptography``), parse the claims, check them.  Nothing can be much faster.

Before timing, the script checks that every contender accepts the token (with identical
claims) and refuses a token with a broken signature and one for another audience.

Timing: ``--rounds`` rounds (default 7), each timing ticketbooth and PyJWT for the same
number of calls, the order alternating from round to round so slow drift hits both;
the garbage collector is off while a loop runs; the median round is reported.

    .venv/bin/python bench/verify.py [--alg HS256|RS256|ES256|EdDSA|all] [--rounds 7]
"""

import os
import sys

# This directory also holds http.py, which would shadow the standard library's
# ``http`` package (PyJWT imports urllib) when a script here runs: search it last.
sys.path.sort(
    key=lambda entry: os.path.realpath(entry or ".") == os.path.dirname(os.path.realpath(__file__))
)

import argparse
import base64
import gc
import hmac
import importlib.util
import json
import platform
import statistics
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import jwt
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from joserfc import jwt as jose_jwt
from joserfc.errors import JoseError
from joserfc.jwk import import_key

from ticketbooth.tokens import (
    ALGORITHMS,
    InvalidTokenError,
    Key,
    KeySet,
    TokenIssuer,
    TokenValidator,
    ValidationParameters,
)

ISSUER = "ticketbooth"
AUDIENCE = "ticketbooth-api"
REQUIRED = ["exp", "iss", "aud", "sub"]


@dataclass
class Contender:
    """One library's way of validating the benchmark token."""

    name: str
    validate: Callable[[str], dict[str, Any]]
    rejects: tuple[type[Exception], ...]


def _b64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def floor_validator(alg: str, key: Key) -> Callable[[str], dict[str, Any]]:
    """The minimal correct verifier: nothing a real one could leave out."""
    secret = key.export_private() if alg == "HS256" else None
    public = None if secret else Key.import_jwk(key.export_jwk() or {})._public
    sha256 = hashes.SHA256()

    def check_signature(signing_input: bytes, signature: bytes) -> None:
        if secret is not None:
            if not hmac.compare_digest(hmac.digest(secret, signing_input, "sha256"), signature):
                raise ValueError("bad signature")
            return
        try:
            if alg == "RS256":
                public.verify(signature, signing_input, padding.PKCS1v15(), sha256)  # type: ignore[union-attr,call-arg]
            elif alg == "ES256":
                r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
                public.verify(encode_dss_signature(r, s), signing_input, ec.ECDSA(sha256))  # type: ignore[union-attr,call-arg]
            else:
                public.verify(signature, signing_input)  # type: ignore[union-attr,call-arg]
        except InvalidSignature:
            raise ValueError("bad signature") from None

    def validate(token: str) -> dict[str, Any]:
        head, payload, signature = token.split(".")
        if json.loads(_b64(head)).get("alg") != alg:
            raise ValueError("algorithm")
        check_signature(f"{head}.{payload}".encode(), _b64(signature))
        claims: dict[str, Any] = json.loads(_b64(payload))
        now = time.time()
        if not (
            claims["exp"] > now
            and claims.get("nbf", 0) <= now
            and claims.get("iat", 0) <= now
            and claims["iss"] == ISSUER
            and claims["aud"] == AUDIENCE
            and isinstance(claims["sub"], str)
        ):
            raise ValueError("claims")
        return claims

    return validate


def contenders(alg: str) -> tuple[str, str, list[Contender]]:
    """A fresh key for ``alg``, a token it signed, a token for another audience, and every
    validator set up the way each library is meant to be used."""
    key = Key.generate(alg)
    keys = KeySet([key])
    issue = dict(subject="42", name="bench", role="User", email="bench@example.com")
    token = TokenIssuer(keys, issuer=ISSUER, audience=AUDIENCE, lifetime=3600).issue(**issue)
    other = TokenIssuer(keys, issuer=ISSUER, audience="another-api", lifetime=3600).issue(**issue)

    params = ValidationParameters(issuer=ISSUER, audience=AUDIENCE, algorithms=frozenset({alg}))
    validator = TokenValidator(keys, params)
    cached = TokenValidator(keys, params, cache_size=10_000)
    # The peers get what their users hold: the secret bytes, or the public key (JWK).
    jwk = key.export_jwk()
    pyjwt_key: Any = key.export_private() if jwk is None else jwt.PyJWK(jwk, algorithm=alg).key
    jose_key = import_key(
        {"kty": "oct", "k": base64.urlsafe_b64encode(key.export_private()).decode().rstrip("=")}
        if jwk is None
        else jwk
    )
    algorithms = [alg]
    options: Any = {"require": REQUIRED}
    registry = jose_jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": ISSUER},
        aud={"essential": True, "value": AUDIENCE},
        exp={"essential": True},
        sub={"essential": True},
    )

    def pyjwt_validate(token: str) -> dict[str, Any]:
        return jwt.decode(
            token,
            pyjwt_key,
            algorithms=algorithms,
            audience=AUDIENCE,
            issuer=ISSUER,
            options=options,
        )

    def joserfc_validate(token: str) -> dict[str, Any]:
        decoded = jose_jwt.decode(token, jose_key, algorithms=algorithms)
        registry.validate(decoded.claims)
        return dict(decoded.claims)

    return (
        token.token,
        other.token,
        [
            Contender("ticketbooth", validator.validate, (InvalidTokenError,)),
            Contender("cached", cached.validate, (InvalidTokenError,)),
            Contender("PyJWT", pyjwt_validate, (jwt.InvalidTokenError,)),
            Contender("joserfc", joserfc_validate, (JoseError, ValueError)),
            Contender("floor", floor_validator(alg, key), (ValueError, KeyError)),
        ],
    )


def break_signature(token: str) -> str:
    head, payload, signature = token.split(".")
    middle = len(signature) // 2
    flipped = "A" if signature[middle] != "A" else "B"
    return f"{head}.{payload}.{signature[:middle]}{flipped}{signature[middle + 1 :]}"


def sanity_check(alg: str, token: str, other_audience: str, sides: list[Contender]) -> None:
    """Both accept the token with the same claims; both refuse the two bad tokens."""
    claims = [side.validate(token) for side in sides]
    assert all(c == claims[0] for c in claims), f"{alg}: contenders disagree on the claims"
    assert claims[0]["sub"] == "42" and claims[0]["aud"] == AUDIENCE, claims[0]
    for bad, what in ((break_signature(token), "a broken signature"), (other_audience, "aud")):
        for side in sides:
            try:
                side.validate(bad)
            except side.rejects:
                continue
            raise AssertionError(f"{alg}: {side.name} accepted a token with {what}")


def time_calls(validate: Callable[[str], object], token: str, calls: int) -> float:
    """Microseconds per call over ``calls`` calls, the garbage collector off."""
    loop = range(calls)
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter_ns()
        for _ in loop:
            validate(token)
        elapsed = time.perf_counter_ns() - start
    finally:
        if was_enabled:
            gc.enable()
    return elapsed / calls / 1000


def bench(alg: str, rounds: int, calls: int | None, round_ms: float) -> tuple[list[float], int]:
    token, other_audience, sides = contenders(alg)
    sanity_check(alg, token, other_audience, sides)
    # Warm up both, and size a round so the slower side takes about round_ms.
    slowest = max(time_calls(side.validate, token, 200) for side in sides)
    if calls is None:
        calls = max(100, int(round_ms * 1000 / slowest))
    samples: dict[str, list[float]] = {side.name: [] for side in sides}
    for number in range(rounds):
        order = sides if number % 2 == 0 else sides[::-1]
        for side in order:
            samples[side.name].append(time_calls(side.validate, token, calls))
    return [statistics.median(samples[side.name]) for side in sides], calls


def machine_line() -> str:
    """The machine line bench/http.py prints (imported under a name that is not ``http``)."""
    spec = importlib.util.spec_from_file_location(
        "bench_http", Path(__file__).resolve().parent / "http.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_http"] = module
    spec.loader.exec_module(module)
    line: str = module.machine_line()
    return line


def main() -> None:
    # joserfc warns that RFC 9864 deprecates the name "EdDSA"; API.md uses it.
    warnings.filterwarnings("ignore", message="EdDSA is deprecated")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alg", choices=[*ALGORITHMS, "all"], default="all")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds (default 7)")
    parser.add_argument("--calls", type=int, help="calls per round (default: about --round-ms)")
    parser.add_argument(
        "--round-ms", type=float, default=120, help="target length of the slower side's round"
    )
    args = parser.parse_args()
    algs = list(ALGORITHMS) if args.alg == "all" else [args.alg]

    print(f"Python {platform.python_version()} ({platform.python_implementation()})")
    print(f"machine: {machine_line()}")
    print(
        f"ticketbooth {version('ticketbooth')}, PyJWT {jwt.__version__}, "
        f"cryptography {version('cryptography')}"
    )
    print(
        f"{args.rounds} interleaved rounds per algorithm, median round; "
        "same token, key and checks for all (RS256: 3072-bit key); µs per validation"
    )
    print()
    header = (
        f"{'alg':<6} {'ticketbooth':>11} {'cached':>7} {'PyJWT':>8} {'joserfc':>8} "
        f"{'floor':>7}   {'vs floor':>8} {'PyJWT/tb':>8} {'joserfc/tb':>10}"
    )
    print(header)
    print("-" * len(header))
    for alg in algs:
        (ours, cached, pyjwt, jose, floor), _calls = bench(
            alg, args.rounds, args.calls, args.round_ms
        )
        print(
            f"{alg:<6} {ours:>11.2f} {cached:>7.2f} {pyjwt:>8.2f} {jose:>8.2f} {floor:>7.2f}"
            f"   {ours / floor:>7.2f}x {pyjwt / ours:>7.2f}x {jose / ours:>9.2f}x"
        )
    print()
    print("vs floor = ticketbooth / floor (1.00x is the floor itself);")
    print("PyJWT/tb and joserfc/tb = how many times faster ticketbooth is than each peer")


if __name__ == "__main__":
    main()
