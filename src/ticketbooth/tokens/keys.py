"""Signing keys, each pinned to exactly one algorithm, and the set that verifies by ``kid``.

A :class:`Key` knows its one JWS algorithm and refuses every other: the algorithm is
never taken from a token header.  A :class:`KeySet` signs with its newest active key and
verifies with every key it holds, looked up by ``kid`` (RFC 7638 thumbprint by default).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Iterator
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from ..errors import ConfigurationError, UnknownKeyError
from . import _jose

ALGORITHMS: tuple[str, ...] = ("HS256", "RS256", "ES256", "EdDSA")
"""Every algorithm ticketbooth signs or verifies with.  ``none`` is not one of them."""

MIN_SECRET_BYTES = 32
MIN_RSA_BITS = 2048
DEFAULT_RSA_BITS = 3072

_PKCS1 = padding.PKCS1v15()
_SHA256 = hashes.SHA256()
_ECDSA = ec.ECDSA(_SHA256)
_P256_BYTES = 32


def check_secret(secret: bytes) -> bytes:
    """Refuse HMAC secrets that are short or that are really asymmetric key material.

    A PEM or SSH public key used as an HMAC secret is the classic algorithm-confusion
    attack: anybody holding the public key could then mint tokens.

    Raises:
        ConfigurationError: the secret is shorter than 32 bytes or looks like a key file.
    """
    if len(secret) < MIN_SECRET_BYTES:
        raise ConfigurationError(
            f"the HMAC secret is {len(secret)} bytes; at least {MIN_SECRET_BYTES} are required"
        )
    stripped = secret.lstrip()
    if stripped.startswith((b"-----BEGIN", b"ssh-", b"ecdsa-sha2-")):
        raise ConfigurationError("the HMAC secret looks like a PEM or SSH key; use random bytes")
    return secret


class Key:
    """One key, usable with exactly one algorithm.

    Build keys with :meth:`generate`, :meth:`from_secret`, :meth:`from_pem` or
    :meth:`from_public`; the constructor is private.  ``repr`` never shows key material.
    """

    __slots__ = ("_private", "_public", "_secret", "alg", "kid")

    def __init__(
        self,
        alg: str,
        kid: str,
        *,
        secret: bytes | None = None,
        private: _jose.PrivateKey | None = None,
        public: _jose.PublicKey | None = None,
    ) -> None:
        self.alg = alg
        self.kid = kid
        self._secret = secret
        self._private = private
        self._public = public

    # -- construction ---------------------------------------------------------------

    @classmethod
    def generate(cls, alg: str, *, rsa_bits: int = DEFAULT_RSA_BITS) -> Key:
        """A new random key for ``alg``.

        Raises:
            ConfigurationError: ``alg`` is not supported or ``rsa_bits`` is too small.
        """
        if alg == "HS256":
            import secrets

            return cls.from_secret(secrets.token_bytes(32))
        private: _jose.PrivateKey
        if alg == "RS256":
            if rsa_bits < MIN_RSA_BITS:
                raise ConfigurationError(f"RSA keys need at least {MIN_RSA_BITS} bits")
            private = rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)
        elif alg == "ES256":
            private = ec.generate_private_key(ec.SECP256R1())
        elif alg == "EdDSA":
            private = ed25519.Ed25519PrivateKey.generate()
        else:
            raise ConfigurationError(f"unsupported algorithm {alg!r}; use one of {ALGORITHMS}")
        return cls._from_private(alg, private)

    @classmethod
    def from_secret(cls, secret: bytes, *, kid: str | None = None) -> Key:
        """An HS256 key.

        Raises:
            ConfigurationError: the secret is too short or is PEM/SSH key material.
        """
        check_secret(secret)
        return cls("HS256", kid or _jose.secret_thumbprint(secret), secret=secret)

    @classmethod
    def from_pem(cls, alg: str, pem: bytes, *, kid: str | None = None) -> Key:
        """A signing key from a PKCS#8 PEM private key, pinned to ``alg``.

        Raises:
            ConfigurationError: the PEM does not parse or does not fit ``alg``.
        """
        try:
            private = serialization.load_pem_private_key(pem, password=None)
        except (ValueError, TypeError) as exc:
            raise ConfigurationError("the private key does not parse as PEM") from exc
        if not isinstance(
            private, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
        ):
            raise ConfigurationError("unsupported private key type")
        return cls._from_private(alg, private, kid=kid)

    @classmethod
    def from_public(cls, alg: str, public: _jose.PublicKey, *, kid: str | None = None) -> Key:
        """A verify-only key, as a service that trusts a JWKS holds.

        Raises:
            ConfigurationError: the key does not fit ``alg``.
        """
        _check_fits(alg, public)
        return cls(alg, kid or _jose.public_thumbprint(public), public=public)

    @classmethod
    def _from_private(cls, alg: str, private: _jose.PrivateKey, *, kid: str | None = None) -> Key:
        public = private.public_key()
        _check_fits(alg, public)
        return cls(alg, kid or _jose.public_thumbprint(public), private=private, public=public)

    # -- properties -----------------------------------------------------------------

    @property
    def is_symmetric(self) -> bool:
        """True for HMAC keys, which must never be published."""
        return self._secret is not None

    @property
    def has_private(self) -> bool:
        """True when this key can sign."""
        return self._secret is not None or self._private is not None

    def __repr__(self) -> str:
        return f"<Key alg={self.alg} kid={self.kid}>"

    # -- operations -----------------------------------------------------------------

    def sign(self, data: bytes) -> bytes:
        """The raw JWS signature of ``data``.

        Raises:
            ConfigurationError: this key is verify-only.
        """
        if self._secret is not None:
            return hmac.digest(self._secret, data, "sha256")
        private = self._private
        if isinstance(private, rsa.RSAPrivateKey):
            return private.sign(data, _PKCS1, _SHA256)
        if isinstance(private, ec.EllipticCurvePrivateKey):
            r, s = decode_dss_signature(private.sign(data, _ECDSA))
            return r.to_bytes(_P256_BYTES, "big") + s.to_bytes(_P256_BYTES, "big")
        if isinstance(private, ed25519.Ed25519PrivateKey):
            return private.sign(data)
        raise ConfigurationError(f"key {self.kid} is verify-only")

    def verify(self, signature: bytes, data: bytes) -> bool:
        """Whether ``signature`` is this key's signature of ``data`` (constant time for HMAC)."""
        if self._secret is not None:
            return hmac.compare_digest(hmac.digest(self._secret, data, "sha256"), signature)
        public = self._public
        try:
            if isinstance(public, rsa.RSAPublicKey):
                public.verify(signature, data, _PKCS1, _SHA256)
            elif isinstance(public, ec.EllipticCurvePublicKey):
                if len(signature) != 2 * _P256_BYTES:
                    return False
                r = int.from_bytes(signature[:_P256_BYTES], "big")
                s = int.from_bytes(signature[_P256_BYTES:], "big")
                public.verify(encode_dss_signature(r, s), data, _ECDSA)
            elif isinstance(public, ed25519.Ed25519PublicKey):
                public.verify(signature, data)
            else:
                return False
        except InvalidSignature:
            return False
        return True

    def export_private(self) -> bytes:
        """The secret or PKCS#8 PEM private key, for storage.  Handle as a secret.

        Raises:
            ConfigurationError: this key is verify-only.
        """
        if self._secret is not None:
            return self._secret
        if self._private is None:
            raise ConfigurationError(f"key {self.kid} is verify-only")
        return self._private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def export_jwk(self) -> dict[str, Any] | None:
        """The public JWK with ``kid``, ``alg`` and ``use``; None for HMAC keys."""
        if self._public is None:
            return None
        jwk = _jose.public_jwk(self._public)
        jwk.update(kid=self.kid, alg=self.alg, use="sig")
        return jwk

    @classmethod
    def import_jwk(cls, data: dict[str, Any]) -> Key:
        """A verify-only key from a public JWK; its ``alg`` member is required.

        Raises:
            ConfigurationError: the JWK is not a public key of a supported algorithm.
        """
        alg = data.get("alg")
        if alg not in ALGORITHMS or alg == "HS256":
            raise ConfigurationError(f"JWK has unsupported alg {alg!r}")
        kid = data.get("kid")
        return cls.from_public(
            str(alg), _jose.import_public_jwk(data), kid=kid if isinstance(kid, str) else None
        )


def _check_fits(alg: str, public: _jose.PublicKey) -> None:
    if alg == "RS256" and isinstance(public, rsa.RSAPublicKey):
        if public.key_size < MIN_RSA_BITS:
            raise ConfigurationError(f"RSA keys need at least {MIN_RSA_BITS} bits")
        return
    if (
        alg == "ES256"
        and isinstance(public, ec.EllipticCurvePublicKey)
        and isinstance(public.curve, ec.SECP256R1)
    ):
        return
    if alg == "EdDSA" and isinstance(public, ed25519.Ed25519PublicKey):
        return
    raise ConfigurationError(f"the key does not fit algorithm {alg!r}")


class KeySet:
    """The keys a service signs and verifies with.

    The first key given (the newest active one) signs; every key verifies, looked up
    by ``kid``.  Retired keys must simply be left out.
    """

    __slots__ = ("_by_kid", "_signing")

    def __init__(self, keys: Iterable[Key], *, signing_kid: str | None = None) -> None:
        ordered = list(keys)
        self._by_kid: dict[str, Key] = {key.kid: key for key in ordered}
        if signing_kid is not None and signing_kid not in self._by_kid:
            raise ConfigurationError(f"signing key {signing_kid} is not in the key set")
        signers = [k for k in ordered if k.has_private]
        self._signing = (
            self._by_kid[signing_kid] if signing_kid else (signers[0] if signers else None)
        )

    def __iter__(self) -> Iterator[Key]:
        return iter(self._by_kid.values())

    def __len__(self) -> int:
        return len(self._by_kid)

    def __repr__(self) -> str:
        return f"<KeySet kids={list(self._by_kid)}>"

    @property
    def signing_key(self) -> Key:
        """The key new tokens are signed with.

        Raises:
            ConfigurationError: the set holds no private key.
        """
        if self._signing is None:
            raise ConfigurationError("no signing key is configured")
        return self._signing

    def get(self, kid: str) -> Key:
        """The verification key with this ``kid``.

        Raises:
            UnknownKeyError: no such key (never published, or retired).
        """
        key = self._by_kid.get(kid)
        if key is None:
            raise UnknownKeyError(kid)
        return key

    def find(self, kid: str) -> Key | None:
        """The key with this ``kid``, or None."""
        return self._by_kid.get(kid)

    def for_algorithm(self, alg: str) -> list[Key]:
        """Every key pinned to ``alg`` (for tokens that carry no ``kid``)."""
        return [k for k in self._by_kid.values() if k.alg == alg]

    def export_jwks(self) -> dict[str, list[dict[str, Any]]]:
        """The RFC 7517 JWKS document: public keys only; HMAC keys are never included."""
        keys = [jwk for key in self._by_kid.values() if (jwk := key.export_jwk()) is not None]
        return {"keys": keys}
