"""The only module that imports the JOSE library (joserfc).

ticketbooth signs and verifies compact JWS itself (see ``_compact``) around ``hmac`` and
``cryptography``; what it takes from joserfc is the JWK side: RFC 7517 import/export and
RFC 7638 thumbprints, which are easy to get subtly wrong by hand.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, OctKey, OKPKey, RSAKey

from ..errors import ConfigurationError

PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey


def _public_pem(public: PublicKey) -> bytes:
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _jwk_for_public(public: PublicKey) -> RSAKey | ECKey | OKPKey:
    pem = _public_pem(public)
    if isinstance(public, rsa.RSAPublicKey):
        return RSAKey.import_key(pem)
    if isinstance(public, ec.EllipticCurvePublicKey):
        return ECKey.import_key(pem)
    return OKPKey.import_key(pem)


def secret_thumbprint(secret: bytes) -> str:
    """RFC 7638 thumbprint of an ``oct`` key."""
    return str(OctKey.import_key(secret).thumbprint())


def public_thumbprint(public: PublicKey) -> str:
    """RFC 7638 thumbprint of an asymmetric public key."""
    return str(_jwk_for_public(public).thumbprint())


def public_jwk(public: PublicKey) -> dict[str, Any]:
    """The RFC 7517 public JWK members (``kty`` and the key's own parameters)."""
    return dict(_jwk_for_public(public).as_dict(private=False))


def import_public_jwk(data: dict[str, Any]) -> PublicKey:
    """Turn a public JWK from a JWKS document into a ``cryptography`` key.

    Raises:
        ConfigurationError: the JWK is not a public RSA, EC or OKP key.
    """
    kty = data.get("kty")
    try:
        if kty == "RSA":
            key: Any = RSAKey.import_key(data)
        elif kty == "EC":
            key = ECKey.import_key(data)
        elif kty == "OKP":
            key = OKPKey.import_key(data)
        else:
            raise ConfigurationError(f"unsupported JWK key type {kty!r}")
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise ConfigurationError(f"invalid JWK ({type(exc).__name__})") from exc
    public = key.public_key
    if not isinstance(
        public, rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey
    ):
        raise ConfigurationError(f"unsupported JWK key type {kty!r}")
    return public
