"""The HMAC secret: too short, published in a tutorial, or guessable."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator

from ..tokens.keys import MIN_SECRET_BYTES
from ._findings import Deployment, Finding

MIN_SECRET_ENTROPY_BITS = 100
"""Below this estimate a secret is treated as guessable: one captured token lets an
attacker test candidate secrets offline, as fast as the hardware allows."""

WELL_KNOWN_SECRETS: frozenset[str] = frozenset(
    {
        # ASP.NET Core JWT tutorials and samples
        "your-secret-key-at-least-32-characters-long",
        "this is my custom secret key for authentication",
        "this is my custom secret key for authnetication",
        "my-32-character-ultra-secure-and-ultra-long-secret",
        "secretkeyofdoomthatmustbeaminimumnumberofbytes",
        "thisisasecretkeyforjwttokengeneration", "thisismysecretkey",
        # jwt.io's debugger defaults, FastAPI's OAuth2/JWT tutorial
        "your-256-bit-secret", "your-384-bit-secret", "your-512-bit-secret",
        "a-string-secret-at-least-256-bits-long",
        "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7",
        # Node.js READMEs (jsonwebtoken, express-jwt, express-session)
        "shhhhh", "shhhhhared-secret", "keyboard cat",
        # generic placeholders
        "secret", "secretkey", "secret-key", "secret_key", "mysecret", "mysecretkey",
        "my-secret-key", "my_secret_key", "supersecret", "super-secret-key",
        "super_secret_key", "your-secret-key", "your_secret_key", "your-jwt-secret",
        "your_jwt_secret", "jwt-secret", "jwt_secret", "changeme", "change-me", "changeit",
        # this project's own test suite
        "test-secret-that-is-long-enough-for-hs256-0123456789",
    }
)  # fmt: skip
"""Secrets published in tutorials, READMEs and samples, compared in lower case.  Anyone
can forge tokens for a service that uses one of them."""

_PLACEHOLDER_MARKERS = (
    "your-secret", "your_secret", "yoursecret", "changeme", "change-me", "change_me",
    "replace-me", "replaceme", "placeholder", "example",
)  # fmt: skip
"""Phrases that mark a secret copied from a template rather than generated."""

_GENERATE = "generate one with `openssl rand -base64 48` and set TICKETBOOTH_SECRET_KEY"


def entropy_bits(secret: bytes) -> float:
    """An estimate of a secret's entropy: its length times the Shannon entropy per byte.

    Generous to human-made secrets (words score like random letters), and exact enough
    to catch repetition and tiny alphabets.
    """
    if not secret:
        return 0.0
    counts = Counter(secret).values()
    per_byte = -sum(n / len(secret) * math.log2(n / len(secret)) for n in counts)
    return per_byte * len(secret)


def check_secret(d: Deployment) -> Iterator[Finding]:
    """``secret-short``, ``secret-example``, ``secret-low-entropy``: a forgeable HS256 secret."""
    secret = d.settings.secret_bytes
    if secret is None or d.settings.algorithm != "HS256":
        return  # no secret, or one that signs nothing (the keyring ignores it)
    if len(secret) < MIN_SECRET_BYTES:
        yield Finding(
            "high",
            "secret-short",
            f"TICKETBOOTH_SECRET_KEY is {len(secret)} bytes; HS256 needs at least "
            f"{MIN_SECRET_BYTES} random bytes",
            _GENERATE,
        )
    lowered = secret.decode("utf-8", "replace").strip().lower()
    if lowered in WELL_KNOWN_SECRETS:
        yield Finding(
            "high",
            "secret-example",
            "TICKETBOOTH_SECRET_KEY is a well-known example secret: anyone can forge tokens",
            _GENERATE,
        )
    elif any(marker in lowered for marker in _PLACEHOLDER_MARKERS):
        yield Finding(
            "high",
            "secret-example",
            "TICKETBOOTH_SECRET_KEY looks like a placeholder copied from a template",
            _GENERATE,
        )
    bits = entropy_bits(secret)
    if bits < MIN_SECRET_ENTROPY_BITS:
        yield Finding(
            "high",
            "secret-low-entropy",
            f"TICKETBOOTH_SECRET_KEY has about {bits:.0f} bits of entropy: one captured "
            "token is enough to guess it offline",
            _GENERATE,
        )
