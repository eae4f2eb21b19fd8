"""Keys pinned to one algorithm, the key set, JWK/JWKS export and import, and redaction."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa, x25519

from ticketbooth.tokens import ALGORITHMS, ConfigurationError, Key, KeySet, UnknownKeyError
from ticketbooth.tokens.keys import check_secret

from .conftest import ASYMMETRIC, SECRET, all_algorithms, asymmetric_algorithms, b64, make_key

PRIVATE_JWK_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
THUMBPRINT_MEMBERS = {
    "RSA": ("e", "kty", "n"),
    "EC": ("crv", "kty", "x", "y"),
    "OKP": ("crv", "kty", "x"),
    "oct": ("k", "kty"),
}
KTY = {"RS256": "RSA", "ES256": "EC", "EdDSA": "OKP"}


def rfc7638_thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 §3, written out independently of joserfc."""
    members = {name: jwk[name] for name in THUMBPRINT_MEMBERS[jwk["kty"]]}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    return b64(hashlib.sha256(canonical).digest())


def pkcs8(private: Any, password: bytes | None = None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    pem: bytes = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    return pem


def public_pem(key: Key) -> bytes:
    private = serialization.load_pem_private_key(key.export_private(), password=None)
    return private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def public_of(key: Key) -> Any:
    return serialization.load_pem_private_key(key.export_private(), password=None).public_key()


# -- HMAC secrets -------------------------------------------------------------------


def test_secret_of_32_bytes_is_accepted() -> None:
    assert check_secret(b"x" * 32) == b"x" * 32


def test_short_secret_refused() -> None:
    with pytest.raises(ConfigurationError) as info:
        Key.from_secret(b"x" * 31)
    assert info.value.message == "the HMAC secret is 31 bytes; at least 32 are required"


@pytest.mark.parametrize(
    "secret",
    [
        b"-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n",
        b"\n  -----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx\n",
        b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq0 user@host",
        b"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ user@host",
        b"ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAI user@host",
    ],
    ids=["pem-public", "pem-indented", "ssh-ed25519", "ssh-rsa", "ecdsa-sha2"],
)
def test_pem_or_ssh_looking_secret_refused(secret: bytes) -> None:
    with pytest.raises(ConfigurationError) as info:
        Key.from_secret(secret)
    assert info.value.message == "the HMAC secret looks like a PEM or SSH key; use random bytes"
    assert secret.decode() not in str(info.value)


def test_real_public_key_refused_as_secret(asymmetric_key: Key) -> None:
    # The algorithm-confusion attack: the public key is public, so it must not be a secret.
    with pytest.raises(ConfigurationError, match="looks like a PEM or SSH key"):
        Key.from_secret(public_pem(asymmetric_key))


# -- construction -------------------------------------------------------------------


def test_generated_key(key: Key) -> None:
    assert key.alg in ALGORITHMS
    assert key.has_private
    assert key.is_symmetric is (key.alg == "HS256")


def test_generated_keys_differ(key: Key) -> None:
    assert make_key(key.alg).kid != key.kid


@asymmetric_algorithms
def test_kid_defaults_to_rfc7638_thumbprint(alg: str) -> None:
    key = make_key(alg)
    jwk = key.export_jwk()
    assert jwk is not None
    assert key.kid == rfc7638_thumbprint(jwk)


def test_hmac_kid_defaults_to_rfc7638_thumbprint() -> None:
    key = Key.from_secret(SECRET)
    assert key.kid == rfc7638_thumbprint({"kty": "oct", "k": b64(SECRET)})


@all_algorithms
def test_explicit_kid_wins(alg: str) -> None:
    assert make_key(alg, kid="2024-06").kid == "2024-06"


@pytest.mark.parametrize("alg", ["none", "None", "HS512", "RS512", "PS256", "ES384", "", "hs256"])
def test_generate_refuses_unknown_algorithm(alg: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        Key.generate(alg)
    assert info.value.message.startswith(f"unsupported algorithm {alg!r}")


@pytest.mark.parametrize("bits", [1024, 2047])
def test_generate_refuses_small_rsa(bits: int) -> None:
    with pytest.raises(ConfigurationError) as info:
        Key.generate("RS256", rsa_bits=bits)
    assert info.value.message == "RSA keys need at least 2048 bits"


@asymmetric_algorithms
def test_pem_round_trip(alg: str) -> None:
    key = make_key(alg)
    again = Key.from_pem(alg, key.export_private())
    assert (again.alg, again.kid, again.has_private) == (alg, key.kid, True)
    assert key.verify(again.sign(b"data"), b"data")


def test_hmac_export_private_is_the_secret() -> None:
    assert Key.from_secret(SECRET).export_private() == SECRET


@pytest.mark.parametrize(
    ("alg", "other"),
    [(a, b) for a in ASYMMETRIC for b in ALGORITHMS if a != b],
    ids=lambda value: str(value),
)
def test_from_pem_refuses_key_of_another_algorithm(alg: str, other: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        Key.from_pem(other, make_key(alg).export_private())
    assert info.value.message == f"the key does not fit algorithm {other!r}"


def test_from_pem_refuses_p384_for_es256() -> None:
    pem = pkcs8(ec.generate_private_key(ec.SECP384R1()))
    with pytest.raises(ConfigurationError, match="does not fit algorithm 'ES256'"):
        Key.from_pem("ES256", pem)


def test_from_pem_refuses_small_rsa() -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 - on purpose
    pem = pkcs8(small)
    with pytest.raises(ConfigurationError) as info:
        Key.from_pem("RS256", pem)
    assert info.value.message == "RSA keys need at least 2048 bits"


@pytest.mark.parametrize(
    "pem",
    [b"not a pem", b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", b""],
    ids=["text", "bad-body", "empty"],
)
def test_from_pem_refuses_garbage(pem: bytes) -> None:
    with pytest.raises(ConfigurationError) as info:
        Key.from_pem("RS256", pem)
    assert info.value.message == "the private key does not parse as PEM"


def test_from_pem_refuses_encrypted_pem() -> None:
    pem = pkcs8(ed25519.Ed25519PrivateKey.generate(), password=b"hunter22")
    with pytest.raises(ConfigurationError, match="does not parse as PEM"):
        Key.from_pem("EdDSA", pem)


@pytest.mark.parametrize(
    "private",
    [ed448.Ed448PrivateKey.generate(), x25519.X25519PrivateKey.generate()],
    ids=["ed448", "x25519"],
)
def test_from_pem_refuses_unsupported_key_type(private: Any) -> None:
    with pytest.raises(ConfigurationError) as info:
        Key.from_pem("EdDSA", pkcs8(private))
    assert info.value.message == "unsupported private key type"


@asymmetric_algorithms
def test_from_public_is_verify_only(alg: str) -> None:
    signer = make_key(alg)
    key = Key.from_public(alg, public_of(signer))
    assert (key.kid, key.has_private, key.is_symmetric) == (signer.kid, False, False)
    assert key.verify(signer.sign(b"data"), b"data")


@asymmetric_algorithms
def test_from_public_refuses_key_of_another_algorithm(alg: str) -> None:
    other = next(a for a in ASYMMETRIC if a != alg)
    with pytest.raises(ConfigurationError, match=f"does not fit algorithm {other!r}"):
        Key.from_public(other, public_of(make_key(alg)))


@asymmetric_algorithms
def test_from_public_refuses_hs256(alg: str) -> None:
    with pytest.raises(ConfigurationError, match="does not fit algorithm 'HS256'"):
        Key.from_public("HS256", public_of(make_key(alg)))


@asymmetric_algorithms
def test_verify_only_key_cannot_sign(alg: str) -> None:
    key = Key.from_public(alg, public_of(make_key(alg)), kid="pub")
    with pytest.raises(ConfigurationError) as info:
        key.sign(b"data")
    assert info.value.message == "key pub is verify-only"
    with pytest.raises(ConfigurationError, match="key pub is verify-only"):
        key.export_private()


def test_key_without_material_verifies_nothing() -> None:
    # Only the private constructor can build one; it must fail closed, not open.
    assert Key("RS256", "empty").verify(b"\0" * 256, b"data") is False


# -- sign and verify ----------------------------------------------------------------

SIGNATURE_BYTES = {"HS256": 32, "RS256": 256, "ES256": 64, "EdDSA": 64}


def test_signature_is_raw_jws_form(key: Key) -> None:
    # ES256 is r || s (RFC 7518 §3.4), never DER.
    assert len(key.sign(b"data")) == SIGNATURE_BYTES[key.alg]


def test_verify_accepts_own_signature(key: Key) -> None:
    assert key.verify(key.sign(b"data"), b"data") is True


def test_verify_refuses_other_data(key: Key) -> None:
    assert key.verify(key.sign(b"data"), b"dat4") is False


def test_verify_refuses_other_key_of_same_algorithm(key: Key) -> None:
    assert key.verify(make_key(key.alg).sign(b"data"), b"data") is False


@pytest.mark.parametrize(
    "mangle",
    [
        lambda s: s[:-1],
        lambda s: s + b"\0",
        lambda s: b"",
        lambda s: bytes([s[0] ^ 1]) + s[1:],
        lambda s: s[:-1] + bytes([s[-1] ^ 0x80]),
        lambda s: b"\0" * len(s),
        lambda s: b"\xff" * len(s),
    ],
    ids=["truncated", "extended", "empty", "first-byte", "last-byte", "zeros", "ones"],
)
def test_verify_refuses_mangled_signature(key: Key, mangle: Any) -> None:
    assert key.verify(mangle(key.sign(b"data")), b"data") is False


# -- JWK and JWKS -------------------------------------------------------------------


def test_hmac_key_has_no_jwk() -> None:
    assert Key.from_secret(SECRET).export_jwk() is None


@asymmetric_algorithms
def test_export_jwk_is_public_only(alg: str) -> None:
    key = make_key(alg)
    jwk = key.export_jwk()
    assert jwk is not None
    assert (jwk["kty"], jwk["kid"], jwk["alg"], jwk["use"]) == (KTY[alg], key.kid, alg, "sig")
    assert PRIVATE_JWK_MEMBERS.isdisjoint(jwk)


@asymmetric_algorithms
def test_import_jwk_round_trip(alg: str) -> None:
    signer = make_key(alg)
    jwk = signer.export_jwk()
    assert jwk is not None
    key = Key.import_jwk(json.loads(json.dumps(jwk)))
    assert (key.alg, key.kid, key.has_private) == (alg, signer.kid, False)
    assert key.export_jwk() == jwk
    assert key.verify(signer.sign(b"data"), b"data")


@asymmetric_algorithms
def test_import_jwk_without_kid_uses_thumbprint(alg: str) -> None:
    signer = make_key(alg, kid="named")
    jwk = signer.export_jwk()
    assert jwk is not None
    del jwk["kid"]
    assert Key.import_jwk(jwk).kid == rfc7638_thumbprint(jwk)


@pytest.mark.parametrize("kid", [7, None, ["a"]], ids=["int", "null", "list"])
def test_import_jwk_refuses_non_string_kid(kid: object) -> None:
    jwk = make_key("EdDSA").export_jwk()
    assert jwk is not None
    jwk["kid"] = kid
    with pytest.raises(ConfigurationError) as info:
        Key.import_jwk(jwk)
    assert info.value.message.startswith("invalid JWK (")


def test_import_jwk_of_private_jwk_keeps_only_the_public_half() -> None:
    private = ed25519.Ed25519PrivateKey.generate()
    raw = private.private_bytes_raw()
    public = private.public_key().public_bytes_raw()
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64(public), "d": b64(raw), "alg": "EdDSA"}
    key = Key.import_jwk(jwk)
    assert not key.has_private
    assert key.verify(private.sign(b"data"), b"data")


@pytest.mark.parametrize("alg", [None, "HS256", "none", "RS512", 256], ids=str)
def test_import_jwk_refuses_alg(alg: object) -> None:
    jwk = make_key("ES256").export_jwk()
    assert jwk is not None
    jwk.pop("alg")
    if alg is not None:
        jwk["alg"] = alg
    with pytest.raises(ConfigurationError) as info:
        Key.import_jwk(jwk)
    assert info.value.message == f"JWK has unsupported alg {alg!r}"


def test_import_jwk_refuses_oct_key() -> None:
    jwk = {"kty": "oct", "k": b64(SECRET), "alg": "RS256"}
    with pytest.raises(ConfigurationError) as info:
        Key.import_jwk(jwk)
    assert info.value.message == "unsupported JWK key type 'oct'"
    assert b64(SECRET) not in str(info.value)


@pytest.mark.parametrize(
    "jwk",
    [
        {"kty": "RSA", "alg": "RS256", "e": "AQAB"},
        {"kty": "EC", "alg": "ES256", "crv": "P-256", "x": "AAAA"},
        {"kty": "OKP", "alg": "EdDSA", "crv": "Ed25519", "x": 5},
        {"kty": "EC", "alg": "ES256", "crv": "P-999", "x": "AAAA", "y": "AAAA"},
    ],
    ids=["rsa-no-n", "ec-no-y", "okp-x-int", "ec-bad-curve"],
)
def test_import_jwk_refuses_broken_jwk(jwk: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError) as info:
        Key.import_jwk(jwk)
    assert info.value.message.startswith("invalid JWK (")


@pytest.mark.parametrize(
    ("crv", "private"),
    [("X25519", x25519.X25519PrivateKey.generate()), ("Ed448", ed448.Ed448PrivateKey.generate())],
    ids=["x25519", "ed448"],
)
def test_import_jwk_refuses_okp_curve_other_than_ed25519(crv: str, private: Any) -> None:
    x = b64(private.public_key().public_bytes_raw())
    jwk = {"kty": "OKP", "crv": crv, "x": x, "alg": "EdDSA"}
    with pytest.raises(ConfigurationError) as info:
        Key.import_jwk(jwk)
    assert info.value.message == "unsupported JWK key type 'OKP'"


def test_import_jwk_refuses_curve_that_does_not_fit() -> None:
    public = ec.generate_private_key(ec.SECP384R1()).public_key().public_numbers()
    jwk = {
        "kty": "EC",
        "crv": "P-384",
        "x": b64(public.x.to_bytes(48, "big")),
        "y": b64(public.y.to_bytes(48, "big")),
        "alg": "ES256",
    }
    with pytest.raises(ConfigurationError, match="does not fit algorithm 'ES256'"):
        Key.import_jwk(jwk)


# -- KeySet -------------------------------------------------------------------------


def test_first_signing_key_signs() -> None:
    newest, older = make_key("ES256"), make_key("RS256")
    verify_only = Key.import_jwk(make_key("EdDSA").export_jwk() or {})
    keys = KeySet([verify_only, newest, older])
    assert keys.signing_key is newest
    assert len(keys) == 3
    assert list(keys) == [verify_only, newest, older]


def test_signing_kid_chooses_the_signer() -> None:
    newest, older = make_key("ES256"), make_key("HS256")
    assert KeySet([newest, older], signing_kid=older.kid).signing_key is older


@pytest.mark.parametrize("kid", ["missing", ""])
def test_signing_kid_must_be_in_the_set(kid: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        KeySet([make_key("HS256")], signing_kid=kid)
    assert info.value.message == f"signing key {kid} is not in the key set"


@pytest.mark.parametrize("keys", [[], "verify-only"], ids=["empty", "verify-only"])
def test_key_set_without_signer(keys: Any) -> None:
    if keys == "verify-only":
        keys = [Key.import_jwk(make_key("ES256").export_jwk() or {})]
    key_set = KeySet(keys)
    with pytest.raises(ConfigurationError) as info:
        key_set.signing_key  # noqa: B018 - the property access is the test
    assert info.value.message == "no signing key is configured"


def test_get_and_find(key: Key) -> None:
    keys = KeySet([key])
    assert keys.get(key.kid) is key
    assert keys.find(key.kid) is key
    assert keys.find("missing") is None


def test_get_unknown_kid() -> None:
    with pytest.raises(UnknownKeyError) as info:
        KeySet([make_key("HS256")]).get("retired-2023")
    assert info.value.kid == "retired-2023"
    assert info.value.description == "The signature is invalid"


def test_for_algorithm() -> None:
    hs1, hs2, es = make_key("HS256"), make_key("HS256"), make_key("ES256")
    keys = KeySet([hs1, es, hs2])
    assert keys.for_algorithm("HS256") == [hs1, hs2]
    assert keys.for_algorithm("ES256") == [es]
    assert keys.for_algorithm("RS256") == []


def test_jwks_holds_only_public_keys() -> None:
    asymmetric = [make_key(alg) for alg in ASYMMETRIC]
    hmac_key = make_key("HS256")
    jwks = KeySet([hmac_key, *asymmetric]).export_jwks()
    assert list(jwks) == ["keys"]
    assert [jwk["kid"] for jwk in jwks["keys"]] == [key.kid for key in asymmetric]
    for jwk in jwks["keys"]:
        assert PRIVATE_JWK_MEMBERS.isdisjoint(jwk)
        assert jwk["kty"] != "oct"
    assert b64(hmac_key.export_private()) not in json.dumps(jwks)


def test_jwks_is_empty_with_only_hmac() -> None:
    assert KeySet([make_key("HS256")]).export_jwks() == {"keys": []}


def test_jwks_round_trips_into_a_verifying_key_set() -> None:
    signers = [make_key(alg) for alg in ASYMMETRIC]
    published = json.loads(json.dumps(KeySet(signers).export_jwks()))
    trusted = KeySet(Key.import_jwk(jwk) for jwk in published["keys"])
    for signer in signers:
        assert trusted.get(signer.kid).verify(signer.sign(b"data"), b"data")


# -- secrets never print ------------------------------------------------------------


def _material(key: Key) -> list[str]:
    raw = key.export_private()
    texts = [raw.hex(), b64(raw), base64.b64encode(raw).decode(), repr(raw)]
    if not key.is_symmetric:
        texts.append(raw.decode().splitlines()[1])  # a line of the PEM body
    return texts


def test_key_repr_hides_material(key: Key) -> None:
    expected = f"<Key alg={key.alg} kid={key.kid}>"
    assert repr(key) == str(key) == expected
    for text in _material(key):
        assert text not in repr(key)


def test_key_set_repr_hides_material(key: Key) -> None:
    keys = KeySet([key])
    assert repr(keys) == str(keys) == f"<KeySet kids=[{key.kid!r}]>"
    for text in _material(key):
        assert text not in repr(keys)


def test_settings_repr_hides_secrets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from ticketbooth.config import Settings

    monkeypatch.chdir(tmp_path)  # no ./ticketbooth.toml
    for name in [n for n in os.environ if n.startswith("TICKETBOOTH_")]:
        monkeypatch.delenv(name)
    secret = "s3cret-for-the-repr-test-0123456789abcdef"
    settings = Settings(
        secret_key=secret,
        database_url="postgresql://app:db-password-x@db/app",
        redis_url="redis://:redis-password-y@cache:6379/0",
    )
    for text in (repr(settings), str(settings)):
        assert secret not in text
        assert "db-password-x" not in text
        assert "redis-password-y" not in text
    assert settings.secret_bytes == secret.encode()
