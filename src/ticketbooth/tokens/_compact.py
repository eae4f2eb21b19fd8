"""JWS compact serialization (RFC 7515 §7.1), the one hot path of the service.

Kept to one small module around ``hmac`` and ``cryptography`` so it can be read in one
sitting and differential-tested against PyJWT and joserfc.  Order of work: bound the
input, check the alphabet, parse the header, pin the algorithm to the key, verify the
signature, and only then parse the payload.
"""

from __future__ import annotations

import base64
import binascii
import re
import string
from typing import Any

import orjson

from ..errors import (
    BadSignatureError,
    MalformedTokenError,
    UnknownKeyError,
    UnsupportedAlgorithmError,
)
from .keys import Key, KeySet

MAX_TOKEN_LENGTH = 8192
"""Characters; a token longer than this is refused before any decoding."""
MAX_HEADER_LENGTH = 1024
"""Characters of the encoded header."""

_COMPACT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_ALPHABET = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
_DIGITS = {c: i for i, c in enumerate(_ALPHABET)}
_SPARE_BITS = {2: 0b1111, 3: 0b11}
"""By the segment's length mod 4: the low bits of its last character that carry no data."""
_UNDERSTOOD_CRIT: frozenset[str] = frozenset()

_HEADER_CACHE_SIZE = 64
_headers: dict[str, dict[str, Any]] = {}
"""Parsed headers by their encoded form.  A service sees a handful of distinct headers
(one per signing key), so parsing each once saves a base64 and a JSON decode per token.
Bounded: once full, new headers are parsed every time rather than cached."""


def b64url_encode(data: bytes) -> str:
    """Unpadded base64url, as JWS requires."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(segment: str, *, canonical: bool = True) -> bytes:
    # The alphabet was already checked by _COMPACT; a length of 4n+1 is still invalid.
    try:
        data = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError) as exc:
        raise MalformedTokenError("base64") from exc
    if canonical:
        _check_canonical(segment)
    return data


def _check_canonical(segment: str) -> None:
    # RFC 4648 3.5: the bits after the data must be zero, or many texts carry the same
    # bytes.  Checking them is the same as `b64url_encode(data) != segment`, in O(1).
    if segment and _DIGITS[segment[-1]] & _SPARE_BITS.get(len(segment) % 4, 0):
        raise MalformedTokenError("non-canonical base64")


def _json_object(raw: bytes, what: str) -> dict[str, Any]:
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:  # also invalid UTF-8 and nesting past 1024
        raise MalformedTokenError(f"{what} is not JSON") from exc
    if type(value) is not dict:
        raise MalformedTokenError(f"{what} is not a JSON object")
    return value


def encode(header: dict[str, Any], payload: dict[str, Any], key: Key) -> str:
    """Sign ``payload`` with ``key`` and return the compact JWS.

    Raises:
        ConfigurationError: ``key`` cannot sign.
    """
    signing_input = b64url_encode(orjson.dumps(header)) + "." + b64url_encode(orjson.dumps(payload))
    signature = key.sign(signing_input.encode("ascii"))
    return signing_input + "." + b64url_encode(signature)


def decode_header(token: str) -> dict[str, Any]:
    """The parsed, unverified header.  For diagnostics; never trust it on its own.

    Raises:
        MalformedTokenError: the token is not compact JWS with a JSON object header.
    """
    if len(token) > MAX_TOKEN_LENGTH or _COMPACT.fullmatch(token) is None:
        raise MalformedTokenError("not a compact JWS")
    encoded_header = token.partition(".")[0]
    if len(encoded_header) > MAX_HEADER_LENGTH:
        raise MalformedTokenError("header too long")
    return _json_object(_b64url_decode(encoded_header), "header")


def decode_unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and payload without any check.  For ``token decode``; never for access.

    Raises:
        MalformedTokenError: either part is not a JSON object.
    """
    header = decode_header(token)
    return header, _json_object(_b64url_decode(token.split(".")[1]), "payload")


def _pick_key(header: dict[str, Any], keys: KeySet, algorithms: frozenset[str]) -> list[Key]:
    alg = header.get("alg")
    if type(alg) is not str or alg not in algorithms:
        raise UnsupportedAlgorithmError(alg)
    if "crit" in header:  # a "crit": null is malformed, not absent
        crit = header["crit"]
        if type(crit) is not list or not crit or not all(type(c) is str for c in crit):
            raise MalformedTokenError("crit")
        if not _UNDERSTOOD_CRIT.issuperset(crit):
            raise MalformedTokenError("unknown crit extension")
    if header.get("b64", True) is not True:
        # RFC 7797 unencoded payloads change what is signed; unsupported, and never to be
        # read as ordinary JWS just because crit does not name b64.
        raise MalformedTokenError("b64")
    if "kid" not in header:  # a "kid": null is malformed, not absent
        candidates = keys.for_algorithm(alg)
        if not candidates:
            raise UnknownKeyError(None)
        return candidates
    kid = header["kid"]
    if type(kid) is not str:
        raise MalformedTokenError("kid")
    key = keys.get(kid)
    if key.alg != alg:
        # The header names an algorithm the key is not for: HS256 with an RSA public key.
        raise UnsupportedAlgorithmError(alg)
    return [key]


def decode(token: str, keys: KeySet, algorithms: frozenset[str]) -> dict[str, Any]:
    """Verify the signature of a compact JWS and return its payload object.

    Args:
        token: the compact serialization.
        keys: the verification keys, looked up by ``kid``.
        algorithms: the algorithms the service accepts at all; each key accepts only
            its own among them.

    Raises:
        MalformedTokenError: the token is not well-formed, or is too large.
        UnsupportedAlgorithmError: ``alg`` is not allowed for the key.
        UnknownKeyError: no key has the token's ``kid``.
        BadSignatureError: the signature does not verify.
    """
    return verify(token, keys, algorithms)[1]


def verify(
    token: str, keys: KeySet, algorithms: frozenset[str]
) -> tuple[dict[str, Any], dict[str, Any], Key]:
    """Like :func:`decode`, and return the header and the verifying key too.

    The header is the caller's to read (its ``typ`` says what the token is for) and is
    shared with the header cache: treat it as read-only.

    Raises:
        MalformedTokenError, UnsupportedAlgorithmError, UnknownKeyError,
        BadSignatureError: as :func:`decode`.
    """
    if len(token) > MAX_TOKEN_LENGTH or _COMPACT.fullmatch(token) is None:
        raise MalformedTokenError("not a compact JWS")
    encoded_header, encoded_payload, encoded_signature = token.split(".")
    header = _headers.get(encoded_header)
    is_new_header = header is None
    if header is None:
        if len(encoded_header) > MAX_HEADER_LENGTH:
            raise MalformedTokenError("header too long")
        header = _json_object(_b64url_decode(encoded_header), "header")
    candidates = _pick_key(header, keys, algorithms)
    # A signature that does not verify is a bad signature whatever its spare bits; one
    # that verifies must also be the one canonical text of those bytes (no malleability).
    signature = _b64url_decode(encoded_signature, canonical=False)
    signing_input = token[: len(encoded_header) + 1 + len(encoded_payload)].encode("ascii")
    for key in candidates:
        if key.verify(signature, signing_input):
            break
    else:
        raise BadSignatureError(candidates[0].kid if len(candidates) == 1 else None)
    _check_canonical(encoded_signature)
    if is_new_header and len(_headers) < _HEADER_CACHE_SIZE:
        _headers[encoded_header] = header  # only headers that came with a valid signature
    return header, _json_object(_b64url_decode(encoded_payload), "payload"), key
