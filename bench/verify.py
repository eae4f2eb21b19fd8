"""Per-call cost of validating one access token: ticketbooth versus PyJWT.

Both libraries check the same token with the same key and the same rules: the
signature with the one allowed algorithm, ``exp``/``nbf``/``iat``, the issuer, the
audience, and that ``exp``, ``iss``, ``aud`` and ``sub`` are present.  Before timing,
the script checks that both accept the token (with identical claims) and that both
refuse a token with a broken signature and one for another audience.

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
import gc
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

import jwt

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


def contenders(alg: str) -> tuple[str, str, list[Contender]]:
    """A fresh key for ``alg``, a token it signed, a token for another audience, and both
    validators set up the way each library is meant to be used."""
    key = Key.generate(alg)
    keys = KeySet([key])
    issue = dict(subject="42", name="bench", role="User", email="bench@example.com")
    token = TokenIssuer(keys, issuer=ISSUER, audience=AUDIENCE, lifetime=3600).issue(**issue)
    other = TokenIssuer(keys, issuer=ISSUER, audience="another-api", lifetime=3600).issue(**issue)

    validator = TokenValidator(
        keys, ValidationParameters(issuer=ISSUER, audience=AUDIENCE, algorithms=frozenset({alg}))
    )
    # PyJWT gets what its users hold: the secret bytes, or the public key (from the JWK).
    jwk = key.export_jwk()
    pyjwt_key: Any = key.export_private() if jwk is None else jwt.PyJWK(jwk, algorithm=alg).key
    algorithms = [alg]
    options: Any = {"require": REQUIRED}

    def pyjwt_validate(token: str) -> dict[str, Any]:
        return jwt.decode(
            token,
            pyjwt_key,
            algorithms=algorithms,
            audience=AUDIENCE,
            issuer=ISSUER,
            options=options,
        )

    return (
        token.token,
        other.token,
        [
            Contender("ticketbooth", validator.validate, (InvalidTokenError,)),
            Contender("PyJWT", pyjwt_validate, (jwt.InvalidTokenError,)),
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
    assert claims[0] == claims[1], f"{alg}: the libraries disagree on the claims: {claims}"
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
    model = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{platform.machine()}, {model}, {os.cpu_count()} CPUs, {platform.platform()}"


def main() -> None:
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
        "same token, key and checks for both (RS256: 3072-bit key)"
    )
    print()
    header = (
        f"{'alg':<6}  {'ticketbooth µs/op':>17}  {'PyJWT µs/op':>11}  {'ratio':>6}  calls/round"
    )
    print(header)
    print("-" * len(header))
    for alg in algs:
        (ours, theirs), calls = bench(alg, args.rounds, args.calls, args.round_ms)
        print(f"{alg:<6}  {ours:>17.2f}  {theirs:>11.2f}  {theirs / ours:>5.2f}x  {calls:>11}")
    print()
    print("ratio = PyJWT time / ticketbooth time: how many times faster ticketbooth is")


if __name__ == "__main__":
    main()
