"""Client secrets, scopes, registered keys, and client administration (in memory)."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa, x25519

from ticketbooth.auth.oauth import ClientAdmin, ClientSecretHasher, parse_scopes
from ticketbooth.auth.oauth.clients import public_key_from_pem
from ticketbooth.auth.revocation import Revoker
from ticketbooth.store.client_records import ClientRecord
from ticketbooth.tokens import RevocationList
from ticketbooth.tokens.errors import ConfigurationError, ConflictError, NotFoundError

from .memory import MemoryRevocations


class MemoryClients:
    def __init__(self) -> None:
        self.rows: dict[str, ClientRecord] = {}

    def add(self, record: ClientRecord) -> None:
        self.rows[record.client_id] = record

    def get(self, client_id: str) -> ClientRecord | None:
        return self.rows.get(client_id)

    def get_by_name(self, name: str) -> ClientRecord | None:
        return next((r for r in self.rows.values() if r.name == name), None)

    def list(self) -> list[ClientRecord]:
        return sorted(self.rows.values(), key=lambda r: r.name)

    def update(
        self, client_id: str, *, secret_hash: str | None = None, is_disabled: bool | None = None
    ) -> bool:
        import dataclasses

        row = self.rows[client_id]
        if secret_hash is not None:
            row = dataclasses.replace(row, secret_hash=secret_hash)
        if is_disabled is not None:
            row = dataclasses.replace(row, is_disabled=is_disabled)
        self.rows[client_id] = row
        return True

    def delete(self, client_id: str) -> bool:
        return self.rows.pop(client_id, None) is not None


PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey


def public_pem(key: PrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.fixture
def admin() -> ClientAdmin:
    return ClientAdmin(MemoryClients(), ClientSecretHasher(b"k" * 32), now=lambda: 1.8e9)


def test_secrets_are_256_bits_and_checked_in_constant_time() -> None:
    hasher = ClientSecretHasher(b"server-side-key-" * 2)
    secret = hasher.new_secret()
    assert len(secret) == 43  # 32 bytes, unpadded base64url
    stored = hasher.hash(secret)
    assert len(stored) == 64
    assert secret not in stored
    assert hasher.verify(stored, secret)
    assert not hasher.verify(stored, secret + "x")
    assert not hasher.verify(None, secret)  # an unknown client never matches
    assert ClientSecretHasher(b"another-key-" * 3).hash(secret) != stored
    assert "server-side" not in repr(hasher)


def test_scopes_follow_rfc6749_3_3() -> None:
    assert parse_scopes("orders:read  orders:write orders:read") == ("orders:read", "orders:write")
    assert parse_scopes("") == ()
    for bad in ('"quoted"', "back\\slash", "tab\there", "é"):
        with pytest.raises(ValueError, match="is not a valid scope"):
            parse_scopes([bad])


@pytest.mark.parametrize(
    ("key", "alg"),
    [
        (rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS256"),
        (ec.generate_private_key(ec.SECP256R1()), "ES256"),
        (ed25519.Ed25519PrivateKey.generate(), "EdDSA"),
    ],
    ids=["rsa", "ec", "ed25519"],
)
def test_a_public_key_fixes_its_algorithm(
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey, alg: str
) -> None:
    assert public_key_from_pem(public_pem(key), kid="k1").alg == alg


def test_unusable_public_keys_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="does not parse as PEM"):
        public_key_from_pem(b"not a key")
    with pytest.raises(ConfigurationError, match="does not fit"):
        public_key_from_pem(public_pem(ec.generate_private_key(ec.SECP384R1())))
    x25519_pem = (
        x25519.X25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(ConfigurationError, match="must be RSA, EC P-256 or Ed25519"):
        public_key_from_pem(x25519_pem)


def test_add_a_secret_client_and_rotate(admin: ClientAdmin) -> None:
    new = admin.add("reports", scopes=["orders:read"])
    assert new.secret is not None
    assert new.secret not in repr(new)
    assert new.record.scopes == ("orders:read",)
    rotated = admin.rotate_secret("reports")
    assert rotated.secret not in (None, new.secret)
    assert admin.get("reports").secret_hash != new.record.secret_hash


def test_a_key_client_has_no_secret(admin: ClientAdmin) -> None:
    pem = public_pem(ec.generate_private_key(ec.SECP256R1()))
    new = admin.add("keyed", public_key_pem=pem)
    assert new.secret is None
    assert new.record.auth_method == "private_key_jwt"
    with pytest.raises(ConfigurationError, match="authenticates with a key; it has no secret"):
        admin.rotate_secret("keyed")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "bad name"}, "'bad name' is not a client name"),
        ({"name": "x", "scopes": ['"q"']}, "'\"q\"' is not a valid scope"),
        (
            {"name": "x", "public_key_pem": b"-", "jwks_uri": "https://k.example/j"},
            "give --public-key or --jwks-uri, not both",
        ),
        ({"name": "x", "jwks_uri": "http://k.example/j"}, "keys must be fetched over https"),
        ({"name": "x", "public_key_pem": b"nope"}, "does not parse as PEM"),
        (
            {
                "name": "x",
                "public_key_pem": "é\n".encode()
                + public_pem(ec.generate_private_key(ec.SECP256R1())),
            },
            "the public key file must be ASCII PEM",
        ),
        ({"name": "x", "jwks_uri": "https://[::1/jwks"}, "keys must be fetched over https"),
    ],
)
def test_bad_registrations_are_refused(
    admin: ClientAdmin, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigurationError) as refused:
        admin.add(**kwargs)  # type: ignore[arg-type]
    assert message in refused.value.message


def test_names_are_unique_and_unknown_names_are_not_found(admin: ClientAdmin) -> None:
    admin.add("reports")
    with pytest.raises(ConflictError):
        admin.add("reports")
    for action in (admin.delete, admin.rotate_secret, admin.get):
        with pytest.raises(NotFoundError, match="no client named 'nobody'"):
            action("nobody")
    with pytest.raises(NotFoundError, match="no client with id 'nobody'"):
        admin.get_by_id("nobody")
    assert admin.get_by_id(admin.get("reports").client_id).name == "reports"
    admin.set_disabled("reports", is_disabled=True)
    assert admin.get("reports").is_disabled
    admin.delete("reports")
    assert admin.list() == []


def test_a_jti_message_from_another_instance_is_applied() -> None:
    revocations = RevocationList(token_lifetime=60, now=lambda: 1000.0)
    revoker = Revoker(MemoryRevocations(), revocations, now=lambda: 1000.0)
    revoker._on_message({"data": json.dumps({"jti": "abc", "exp": 1050.0})})
    assert revocations.is_revoked({"sub": "svc", "jti": "abc", "iat": 999})
    revoker.revoke_jti("def", 1060.0)  # no table, no Redis: this instance only
    assert revocations.is_revoked({"sub": "svc", "jti": "def", "iat": 999})
