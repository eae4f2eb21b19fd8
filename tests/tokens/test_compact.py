"""JWS compact serialization: known answers, the parser's bounds, and every way to refuse.

Each refusal asserts the exception type and its attributes.  ``decode`` is exercised
directly here; ``test_validator`` repeats the important cases end to end.
"""

from __future__ import annotations

import hmac
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from ticketbooth.tokens import (
    ALGORITHMS,
    BadSignatureError,
    ConfigurationError,
    Key,
    KeySet,
    MalformedTokenError,
    UnknownKeyError,
    UnsupportedAlgorithmError,
    _compact,
    decode_unverified,
)
from ticketbooth.tokens._compact import MAX_HEADER_LENGTH, MAX_TOKEN_LENGTH

from .conftest import (
    b64,
    claims_at,
    flip_byte,
    header_for,
    hmac_forge,
    make_key,
    segment,
    shared_key,
    sign_raw,
    unb64,
)

FIXTURES = Path(__file__).parent / "fixtures"
EVERY_ALGORITHM = frozenset(ALGORITHMS)


def decode(token: str, key: Key, algorithms: frozenset[str] = EVERY_ALGORITHM) -> dict[str, Any]:
    return _compact.decode(token, KeySet([key]), algorithms)


@pytest.fixture
def token(key: Key) -> str:
    """A valid token signed by ``key``."""
    return _compact.encode(header_for(key), claims_at(), key)


def parts(token: str) -> list[str]:
    return token.split(".")


# -- known-answer vectors (RFC 7515 Appendix A, RFC 8037 Appendix A) ----------------


def _vectors() -> list[Any]:
    vectors = []
    for name in ("jws_rfc7515.json", "jws_rfc8037.json"):
        document = json.loads((FIXTURES / name).read_text())
        rfc = name.removeprefix("jws_").removesuffix(".json").upper()
        vectors += [pytest.param(v, id=f"{rfc}-{v['name']}") for v in document["vectors"]]
    return vectors


VECTORS = _vectors()


def vector_key(vector: dict[str, Any]) -> Key:
    """The key of a vector, signing where the RFC gives the private part."""
    jwk = vector["jwk"]
    if jwk["kty"] == "oct":
        return Key.from_secret(unb64(jwk["k"]))
    if "d" in jwk:
        private = ed25519.Ed25519PrivateKey.from_private_bytes(unb64(jwk["d"]))
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return Key.from_pem(vector["alg"], pem)
    return Key.import_jwk({**jwk, "alg": vector["alg"]})


@pytest.mark.parametrize("vector", VECTORS)
def test_vector_segments_are_the_rfc_texts(vector: dict[str, Any]) -> None:
    header, payload, _ = parts(vector["token"])
    assert unb64(header).decode() == vector["protected"]
    assert unb64(payload).decode() == vector["payload"]


@pytest.mark.parametrize("vector", VECTORS)
def test_vector_signature_verifies(vector: dict[str, Any]) -> None:
    key = vector_key(vector)
    token = vector["token"]
    signing_input, _, signature = token.rpartition(".")
    assert key.verify(unb64(signature), signing_input.encode())
    # The header has no kid, so decode finds the key by its algorithm.
    keys = KeySet([make_key("HS256"), key, make_key(vector["alg"])])
    if vector["payload"].startswith("{"):
        assert _compact.decode(token, keys, EVERY_ALGORITHM) == json.loads(vector["payload"])
    else:  # RFC 8037 signs plain text: the signature passes, then the payload is refused
        with pytest.raises(MalformedTokenError) as info:
            _compact.decode(token, keys, EVERY_ALGORITHM)
        assert info.value.reason == "payload is not JSON"


@pytest.mark.parametrize("vector", VECTORS)
@pytest.mark.parametrize("where", [1, 2], ids=["payload", "signature"])
@pytest.mark.parametrize("index", [0, 5, -1])
def test_vector_fails_when_one_byte_changes(vector: dict[str, Any], where: int, index: int) -> None:
    key = vector_key(vector)
    segments = parts(vector["token"])
    segments[where] = flip_byte(segments[where], index)
    with pytest.raises(BadSignatureError) as info:
        _compact.decode(".".join(segments), KeySet([key]), EVERY_ALGORITHM)
    assert type(info.value) is BadSignatureError
    assert info.value.kid == key.kid


@pytest.mark.parametrize("vector", [v for v in VECTORS if v.values[0]["deterministic"]])
def test_vector_signature_is_reproduced(vector: dict[str, Any]) -> None:
    signing_input, _, signature = vector["token"].rpartition(".")
    assert b64(vector_key(vector).sign(signing_input.encode())) == signature


@pytest.mark.parametrize("vector", [v for v in VECTORS if "thumbprint" in v.values[0]])
def test_vector_kid_is_the_rfc_thumbprint(vector: dict[str, Any]) -> None:
    # RFC 8037 A.3 gives the RFC 7638 thumbprint of the A.1 key.
    assert vector_key(vector).kid == vector["thumbprint"]


# -- encoding -----------------------------------------------------------------------


def test_b64url_encode_is_unpadded_url_alphabet() -> None:
    assert _compact.b64url_encode(b"\xfb\xff") == "-_8"
    assert _compact.b64url_encode(b"") == ""


def test_round_trip(key: Key) -> None:
    claims = claims_at(email="john@example.com")
    token = _compact.encode(header_for(key), claims, key)
    assert decode(token, key) == claims
    assert decode_unverified(token) == (header_for(key), claims)
    assert _compact.decode_header(token) == header_for(key)


def test_encoded_json_is_compact(key: Key) -> None:
    header, payload, _ = parts(_compact.encode({"alg": key.alg}, {"a": [1, 2]}, key))
    assert unb64(header) == b'{"alg":"' + key.alg.encode() + b'"}'
    assert unb64(payload) == b'{"a":[1,2]}'


def test_verify_only_key_cannot_encode(asymmetric_key: Key) -> None:
    jwk = asymmetric_key.export_jwk()
    assert jwk is not None
    with pytest.raises(ConfigurationError, match="verify-only"):
        _compact.encode({"alg": asymmetric_key.alg}, {}, Key.import_jwk(jwk))


# -- the shape of the input ---------------------------------------------------------

NOT_COMPACT = [
    pytest.param(lambda t: "", id="empty"),
    pytest.param(lambda t: t.split(".")[0], id="one-segment"),
    pytest.param(lambda t: t.rpartition(".")[0], id="two-segments"),
    pytest.param(lambda t: t + ".e30", id="four-segments"),
    pytest.param(lambda t: t + ".e30.e30", id="five-segments-jwe"),
    pytest.param(lambda t: "." + t.partition(".")[2], id="empty-header"),
    pytest.param(lambda t: t.split(".")[0] + ".." + t.split(".")[2], id="empty-payload"),
    pytest.param(lambda t: t + "=", id="padding-on-signature"),
    pytest.param(lambda t: t.replace(".", "=.", 1), id="padding-on-header"),
    pytest.param(lambda t: t[:10] + "+" + t[11:], id="plus"),
    pytest.param(lambda t: t[:10] + "/" + t[11:], id="slash"),
    pytest.param(lambda t: " " + t, id="leading-space"),
    pytest.param(lambda t: t + "\n", id="trailing-newline"),
    pytest.param(lambda t: t[:10] + " " + t[10:], id="inner-space"),
    pytest.param(lambda t: t[:10] + "\0" + t[10:], id="nul"),
    pytest.param(lambda t: t[:10] + "\u00e9" + t[11:], id="non-ascii"),
    pytest.param(lambda t: t[:10] + "\uff21" + t[11:], id="fullwidth-letter"),
    pytest.param(lambda t: "Bearer " + t, id="scheme-prefix"),
]


@pytest.mark.parametrize("mangle", NOT_COMPACT)
def test_not_compact_refused(key: Key, token: str, mangle: Any) -> None:
    with pytest.raises(MalformedTokenError) as info:
        decode(mangle(token), key)
    assert info.value.reason == "not a compact JWS"
    with pytest.raises(MalformedTokenError):
        decode_unverified(mangle(token))


def _token_of_length(key: Key, length: int, *, in_header: bool = False) -> str:
    """A validly signed token exactly ``length`` characters long (or its header, so long)."""
    signature_length = len(b64(key.sign(b"x")))
    for extra in range(4):
        header = header_for(key, typ="JWT" + "x" * extra)
        claims = claims_at()
        padded = header if in_header else claims
        padded["pad"] = ""
        base = len(segment(header)) if in_header else len(_signing_input(header, claims))
        if not in_header:
            base += 1 + signature_length
        start = max(0, (length - base) * 3 // 4 - 4)
        for pad in range(start, start + 12):
            padded["pad"] = "x" * pad
            measured = (
                len(segment(header))
                if in_header
                else len(_signing_input(header, claims)) + 1 + signature_length
            )
            if measured == length:
                token = _compact.encode(header, claims, key)
                assert len(token.partition(".")[0] if in_header else token) == length
                return token
    raise AssertionError("no padding reaches that length")  # pragma: no cover


def _signing_input(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{segment(header)}.{segment(claims)}"


def test_token_of_max_length_accepted(key: Key) -> None:
    token = _token_of_length(key, MAX_TOKEN_LENGTH)
    assert decode(token, key)["sub"] == "42"


def test_token_over_max_length_refused(key: Key) -> None:
    token = _token_of_length(key, MAX_TOKEN_LENGTH + 1)
    with pytest.raises(MalformedTokenError) as info:
        decode(token, key)
    assert info.value.reason == "not a compact JWS"


def test_huge_input_refused_before_matching(key: Key) -> None:
    with pytest.raises(MalformedTokenError) as info:
        decode("a." * 1_000_000 + "a", key)
    assert info.value.reason == "not a compact JWS"


def test_header_of_max_length_accepted(key: Key) -> None:
    token = _token_of_length(key, MAX_HEADER_LENGTH, in_header=True)
    assert decode(token, key)["sub"] == "42"
    assert _compact.decode_header(token)["alg"] == key.alg


def test_header_over_max_length_refused(key: Key) -> None:
    # 1025 characters cannot be base64 (4n+1); the length is checked before decoding.
    longest = _token_of_length(key, MAX_HEADER_LENGTH, in_header=True)
    for token in (
        _token_of_length(key, MAX_HEADER_LENGTH + 2, in_header=True),
        longest.replace(".", "A.", 1),
    ):
        with pytest.raises(MalformedTokenError) as info:
            decode(token, key)
        assert info.value.reason == "header too long"
        with pytest.raises(MalformedTokenError) as info:
            _compact.decode_header(token)
        assert info.value.reason == "header too long"


def _to_4n_plus_1(segment_text: str) -> str:
    return segment_text + "A" * ((1 - len(segment_text)) % 4 or 4)


@pytest.mark.parametrize("where", [0, 2], ids=["header", "signature"])
def test_segment_of_length_4n_plus_1_refused(key: Key, token: str, where: int) -> None:
    segments = parts(token)
    segments[where] = _to_4n_plus_1(segments[where])
    assert len(segments[where]) % 4 == 1
    with pytest.raises(MalformedTokenError) as info:
        decode(".".join(segments), key)
    assert info.value.reason == "base64"


def test_payload_of_length_4n_plus_1_refused_after_the_signature(key: Key) -> None:
    token = sign_raw(segment(header_for(key)), _to_4n_plus_1(segment(claims_at())), key)
    with pytest.raises(MalformedTokenError) as info:
        decode(token, key)
    assert info.value.reason == "base64"


BAD_JSON = [
    pytest.param(b"not json", "is not JSON", id="text"),
    pytest.param(b'{"alg":"HS256"', "is not JSON", id="truncated"),
    pytest.param(b'{"alg":"HS256"}{}', "is not JSON", id="trailing-data"),
    pytest.param(b'{"alg":"\xff"}', "is not JSON", id="invalid-utf8"),
    pytest.param(b'{"alg":"\xed\xa0\x80"}', "is not JSON", id="utf8-surrogate"),
    pytest.param('{"alg":"HS256"}'.encode("utf-16"), "is not JSON", id="utf16"),
    pytest.param(b"\xef\xbb\xbf{}", "is not JSON", id="utf8-bom"),
    pytest.param(b"[" * 1100 + b"]" * 1100, "is not JSON", id="deeply-nested"),
    pytest.param(b'["alg","HS256"]', "is not a JSON object", id="array"),
    pytest.param(b'"HS256"', "is not a JSON object", id="string"),
    pytest.param(b"256", "is not a JSON object", id="number"),
    pytest.param(b"null", "is not a JSON object", id="null"),
    pytest.param(b"true", "is not a JSON object", id="bool"),
]


@pytest.mark.parametrize(("raw", "reason"), [p for p in BAD_JSON if p.id != "deeply-nested"])
def test_header_not_a_json_object_refused(key: Key, token: str, raw: bytes, reason: str) -> None:
    _, payload, signature = parts(token)
    with pytest.raises(MalformedTokenError) as info:
        decode(f"{b64(raw)}.{payload}.{signature}", key)
    assert info.value.reason == f"header {reason}"


@pytest.mark.parametrize(("raw", "reason"), BAD_JSON)
def test_payload_not_a_json_object_refused(key: Key, raw: bytes, reason: str) -> None:
    # Correctly signed, so the payload is parsed (only ever after the signature check).
    token = sign_raw(segment(header_for(key)), b64(raw), key)
    with pytest.raises(MalformedTokenError) as info:
        decode(token, key)
    assert info.value.reason == f"payload {reason}"
    with pytest.raises(MalformedTokenError) as info:
        decode_unverified(token)
    assert info.value.reason == f"payload {reason}"


def test_payload_is_parsed_only_after_the_signature(key: Key, token: str) -> None:
    header, _, signature = parts(token)
    with pytest.raises(BadSignatureError):
        decode(f"{header}.{b64(b'not json')}.{signature}", key)


# -- the algorithm belongs to the key -----------------------------------------------


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
@pytest.mark.parametrize("with_kid", [True, False], ids=["kid", "no-kid"])
@pytest.mark.parametrize("signature", ["", "sig"], ids=["stripped", "junk"])
def test_alg_none_refused(key: Key, alg: str, with_kid: bool, signature: str) -> None:
    header = {"alg": alg, "typ": "JWT", **({"kid": key.kid} if with_kid else {})}
    token = f"{segment(header)}.{segment(claims_at())}.{signature}"
    with pytest.raises(UnsupportedAlgorithmError) as info:
        decode(token, key)
    assert info.value.alg == alg
    assert info.value.description == "The algorithm is not allowed"


@pytest.mark.parametrize(
    ("alg", "text"),
    [(None, "None"), (256, "256"), (["HS256"], "['HS256']"), ({"a": 1}, "{'a': 1}")],
    ids=["null", "number", "list", "object"],
)
def test_alg_not_a_string_refused(key: Key, alg: object, text: str) -> None:
    token = _compact.encode(header_for(key, alg=alg), claims_at(), key)
    with pytest.raises(UnsupportedAlgorithmError) as info:
        decode(token, key)
    assert info.value.alg == text


def test_alg_missing_refused(key: Key) -> None:
    token = _compact.encode({"typ": "JWT", "kid": key.kid}, claims_at(), key)
    with pytest.raises(UnsupportedAlgorithmError) as info:
        decode(token, key)
    assert info.value.alg == "None"


@pytest.mark.parametrize("alg", ["HS512", "RS512", "PS256", "ES384", "Ed25519", "hs256", "rs256"])
def test_alg_unknown_refused(key: Key, alg: str) -> None:
    token = _compact.encode(header_for(key, alg=alg), claims_at(), key)
    with pytest.raises(UnsupportedAlgorithmError) as info:
        decode(token, key)
    assert info.value.alg == alg


@pytest.mark.parametrize(
    ("alg", "other"), [(a, b) for a in ALGORITHMS for b in ALGORITHMS if a != b], ids=str
)
def test_alg_other_than_the_keys_refused(alg: str, other: str) -> None:
    key = shared_key(alg)
    token = _compact.encode(header_for(key, alg=other), claims_at(), key)
    with pytest.raises(UnsupportedAlgorithmError) as info:
        decode(token, key)
    assert info.value.alg == other


def test_keys_own_alg_refused_when_the_service_does_not_accept_it(key: Key, token: str) -> None:
    with pytest.raises(UnsupportedAlgorithmError) as info:
        decode(token, key, EVERY_ALGORITHM - {key.alg})
    assert info.value.alg == key.alg


def _confusion_secrets(key: Key) -> dict[str, bytes]:
    private = serialization.load_pem_private_key(key.export_private(), password=None)
    public = private.public_key()
    jwk = key.export_jwk()
    return {
        "pem": public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        "der": public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        "jwk": json.dumps(jwk).encode(),
        "jwks": json.dumps(KeySet([key]).export_jwks()).encode(),
    }


@pytest.mark.parametrize("material", ["pem", "der", "jwk", "jwks"])
def test_hs256_signed_with_the_public_key_refused(asymmetric_key: Key, material: str) -> None:
    # CVE-2015-9235 / CVE-2022-29217 style: HMAC keyed with the public key, the key's kid.
    secret = _confusion_secrets(asymmetric_key)[material]
    header = {"alg": "HS256", "typ": "JWT", "kid": asymmetric_key.kid}
    forged = hmac_forge(header, claims_at(role="Admin"), secret)
    with pytest.raises(UnsupportedAlgorithmError) as info:
        decode(forged, asymmetric_key)
    assert info.value.alg == "HS256"
    # Also when the service holds an HMAC key besides the public one.
    keys = KeySet([make_key("HS256"), asymmetric_key])
    with pytest.raises(UnsupportedAlgorithmError) as info:
        _compact.decode(forged, keys, EVERY_ALGORITHM)
    assert info.value.alg == "HS256"


@pytest.mark.parametrize("material", ["pem", "jwk"])
def test_hs256_signed_with_the_public_key_without_kid_refused(
    asymmetric_key: Key, material: str
) -> None:
    secret = _confusion_secrets(asymmetric_key)[material]
    forged = hmac_forge({"alg": "HS256", "typ": "JWT"}, claims_at(), secret)
    with pytest.raises(UnknownKeyError) as unknown:
        decode(forged, asymmetric_key)
    assert unknown.value.kid is None
    hmac_key = make_key("HS256")
    with pytest.raises(BadSignatureError) as bad:
        _compact.decode(forged, KeySet([asymmetric_key, hmac_key]), EVERY_ALGORITHM)
    assert type(bad.value) is BadSignatureError
    assert bad.value.kid == hmac_key.kid


# -- crit -----------------------------------------------------------------------------


@pytest.mark.parametrize("crit", [["exp"], ["b64"], ["http://example.invalid/x"], ["a", "b"]])
def test_crit_naming_an_unknown_extension_refused(key: Key, crit: list[str]) -> None:
    header = header_for(key, crit=crit, **dict.fromkeys(crit, False))
    token = _compact.encode(header, claims_at(), key)
    with pytest.raises(MalformedTokenError) as info:
        decode(token, key)
    assert info.value.reason == "unknown crit extension"


@pytest.mark.parametrize(
    "crit",
    [[], "exp", {"exp": True}, [1], ["exp", None], 0, True, None],
    ids=["empty-list", "string", "object", "int-member", "null-member", "zero", "true", "null"],
)
def test_crit_malformed_refused(key: Key, crit: object) -> None:
    token = _compact.encode(header_for(key, crit=crit), claims_at(), key)
    with pytest.raises(MalformedTokenError) as info:
        decode(token, key)
    assert info.value.reason == "crit"


# -- kid ------------------------------------------------------------------------------


@pytest.mark.parametrize("kid", ["unknown", "", "retired-2023"])
def test_unknown_kid_refused(key: Key, kid: str) -> None:
    token = _compact.encode(header_for(key, kid=kid), claims_at(), key)
    with pytest.raises(UnknownKeyError) as info:
        decode(token, key)
    assert info.value.kid == kid
    assert info.value.description == "The signature is invalid"


@pytest.mark.parametrize(
    "kid",
    [7, 1.5, True, ["k"], {"kid": "k"}, None],
    ids=["int", "float", "bool", "list", "object", "null"],  # null: issue 6
)
def test_non_string_kid_refused(key: Key, kid: object) -> None:
    token = _compact.encode(header_for(key, kid=kid), claims_at(), key)
    with pytest.raises(MalformedTokenError) as info:
        decode(token, key)
    assert info.value.reason == "kid"


def test_no_kid_finds_the_key_by_algorithm(key: Key) -> None:
    other = make_key(key.alg)
    token = _compact.encode({"alg": key.alg, "typ": "JWT"}, claims_at(), key)
    keys = KeySet([make_key("HS256" if key.alg != "HS256" else "ES256"), other, key])
    assert _compact.decode(token, keys, EVERY_ALGORITHM)["sub"] == "42"


def test_no_kid_and_no_key_of_that_algorithm(key: Key) -> None:
    token = _compact.encode({"alg": key.alg, "typ": "JWT"}, claims_at(), key)
    others = KeySet([make_key(alg) for alg in ALGORITHMS if alg != key.alg])
    with pytest.raises(UnknownKeyError) as info:
        _compact.decode(token, others, EVERY_ALGORITHM)
    assert info.value.kid is None


def test_no_kid_and_no_key_verifies(key: Key) -> None:
    token = _compact.encode({"alg": key.alg, "typ": "JWT"}, claims_at(), key)
    one = make_key(key.alg)
    with pytest.raises(BadSignatureError) as info:
        _compact.decode(token, KeySet([one]), EVERY_ALGORITHM)
    assert info.value.kid == one.kid  # the only candidate
    with pytest.raises(BadSignatureError) as info:
        _compact.decode(token, KeySet([one, make_key(key.alg)]), EVERY_ALGORITHM)
    assert type(info.value) is BadSignatureError
    assert info.value.kid is None  # several candidates: none is named


# -- the signature --------------------------------------------------------------------


def _tamper_payload(token: str) -> str:
    header, _, signature = parts(token)
    return f"{header}.{segment(claims_at(role='Admin'))}.{signature}"


def _tamper_header(token: str) -> str:
    header, payload, signature = parts(token)
    changed = {**json.loads(unb64(header)), "typ": "at+jwt"}
    return f"{segment(changed)}.{payload}.{signature}"


def _swap_payload(token: str) -> str:
    header, payload, signature = parts(token)
    return f"{header}.{flip_byte(payload, 3)}.{signature}"


def _truncate_signature(token: str) -> str:
    # Whole bytes: cutting characters could leave unused bits set (see the canonical tests).
    header, payload, signature = parts(token)
    return f"{header}.{payload}.{b64(unb64(signature)[:-3])}"


def _strip_signature(token: str) -> str:
    return token.rpartition(".")[0] + "."


def _flip_signature(token: str) -> str:
    header, payload, signature = parts(token)
    return f"{header}.{payload}.{flip_byte(signature, 10)}"


def _double_signature(token: str) -> str:
    header, payload, signature = parts(token)
    return f"{header}.{payload}.{b64(unb64(signature) * 2)}"


@pytest.mark.parametrize(
    "tamper",
    [
        _tamper_payload,
        _tamper_header,
        _swap_payload,
        _truncate_signature,
        _strip_signature,
        _flip_signature,
        _double_signature,
    ],
    ids=lambda f: f.__name__.strip("_"),
)
def test_tampered_token_refused(key: Key, token: str, tamper: Any) -> None:
    with pytest.raises(BadSignatureError) as info:
        decode(tamper(token), key)
    assert type(info.value) is BadSignatureError
    assert info.value.kid == key.kid
    assert info.value.description == "The signature is invalid"


def test_signature_of_another_key_with_the_same_kid_refused(key: Key) -> None:
    impostor = make_key(key.alg, kid=key.kid)
    token = _compact.encode(header_for(key), claims_at(), impostor)
    with pytest.raises(BadSignatureError) as info:
        decode(token, key)
    assert info.value.kid == key.kid


def test_signature_of_another_token_refused(key: Key) -> None:
    first = _compact.encode(header_for(key), claims_at(), key)
    second = _compact.encode(header_for(key), claims_at(sub="1"), key)
    spliced = second.rpartition(".")[0] + "." + first.rpartition(".")[2]
    with pytest.raises(BadSignatureError):
        decode(spliced, key)


def test_hmac_tag_with_the_right_secret_but_wrong_hash_refused() -> None:
    key = make_key("HS256")
    header = segment(header_for(key))
    payload = segment(claims_at())
    tag = hmac.digest(key.export_private(), f"{header}.{payload}".encode(), "sha512")
    with pytest.raises(BadSignatureError):
        decode(f"{header}.{payload}.{b64(tag)}", key)


# -- unverified decoding --------------------------------------------------------------


def test_decode_unverified_does_not_check_the_signature(key: Key, token: str) -> None:
    header, claims = decode_unverified(_strip_signature(token))
    assert header == header_for(key)
    assert claims == claims_at()


def test_decode_header_ignores_the_payload(key: Key) -> None:
    token = f"{segment(header_for(key))}.{b64(b'not json')}."
    assert _compact.decode_header(token) == header_for(key)


def test_verify_returns_the_header_and_the_key_that_verified(key: Key, token: str) -> None:
    keys = KeySet([make_key(key.alg), key])
    header, claims, verifying_key = _compact.verify(token, keys, EVERY_ALGORITHM)
    assert header == _compact.decode_header(token)
    assert claims == claims_at()
    assert verifying_key is key


# -- the signed-header cache ------------------------------------------------------------


@pytest.fixture
def header_cache(monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, Any]]:
    """An empty header cache for this test only."""
    cache: dict[str, dict[str, Any]] = {}
    monkeypatch.setattr(_compact, "_headers", cache)
    return cache


def test_crit_naming_an_understood_extension_accepted(
    key: Key, monkeypatch: pytest.MonkeyPatch, header_cache: dict[str, dict[str, Any]]
) -> None:
    # No extension is understood today, so this path only opens when one is added.
    monkeypatch.setattr(_compact, "_UNDERSTOOD_CRIT", frozenset({"exp"}))
    token = _compact.encode(header_for(key, crit=["exp"], exp=0), claims_at(), key)
    assert decode(token, key) == claims_at()


def test_header_is_cached_only_after_a_valid_signature(
    key: Key, token: str, header_cache: dict[str, dict[str, Any]]
) -> None:
    encoded_header = token.partition(".")[0]
    with pytest.raises(BadSignatureError):
        decode(_flip_signature(token), key)
    assert header_cache == {}
    decode(token, key)
    assert header_cache == {encoded_header: header_for(key)}


def test_cached_header_is_still_checked(
    key: Key, token: str, header_cache: dict[str, dict[str, Any]]
) -> None:
    decode(token, key)
    assert header_cache
    with pytest.raises(BadSignatureError) as bad:
        decode(_flip_signature(token), key)
    assert bad.value.kid == key.kid
    with pytest.raises(UnknownKeyError) as unknown:
        _compact.decode(token, KeySet([make_key(key.alg)]), EVERY_ALGORITHM)
    assert unknown.value.kid == key.kid
    with pytest.raises(UnsupportedAlgorithmError) as unsupported:
        decode(token, key, EVERY_ALGORITHM - {key.alg})
    assert unsupported.value.alg == key.alg


def test_header_cache_is_bounded(
    key: Key, header_cache: dict[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_compact, "_HEADER_CACHE_SIZE", 2)
    tokens = [_compact.encode(header_for(key, typ=f"JWT{i}"), claims_at(), key) for i in range(3)]
    for token in tokens:
        assert decode(token, key) == claims_at()
    assert list(header_cache) == [token.partition(".")[0] for token in tokens[:2]]
    assert decode(tokens[2], key) == claims_at()  # parsed again, still verified
    with pytest.raises(BadSignatureError):
        decode(_flip_signature(tokens[2]), key)


# -- canonical base64url and RFC 7797 (issue 6, found by the differential test) ---------

BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _set_unused_bits(text: str) -> str:
    """``text`` with the unused low bits of its last character set: the same bytes."""
    spare = {2: 0b1111, 3: 0b11}[len(text) % 4]
    changed = text[:-1] + BASE64URL[BASE64URL.index(text[-1]) | spare]
    assert unb64(changed) == unb64(text)
    return changed


def test_non_canonical_signature_refused(key: Key, token: str) -> None:
    header, payload, signature = parts(token)
    with pytest.raises(MalformedTokenError) as info:
        decode(f"{header}.{payload}.{_set_unused_bits(signature)}", key)
    assert info.value.reason == "non-canonical base64"


@pytest.mark.parametrize("where", [0, 1], ids=["header", "payload"])
def test_non_canonical_segment_refused_even_when_signed(key: Key, where: int) -> None:
    for pad in range(3):  # of three lengths in a row, two leave unused bits
        segments = [
            segment(header_for(key, typ="JWT" + "x" * pad)),
            segment(claims_at(pad="x" * pad)),
        ]
        if len(segments[where]) % 4:
            break
    segments[where] = _set_unused_bits(segments[where])
    with pytest.raises(MalformedTokenError) as info:
        decode(sign_raw(segments[0], segments[1], key), key)
    assert info.value.reason == "non-canonical base64"


@pytest.mark.parametrize("size", [1, 2, 3])
@pytest.mark.parametrize("last", list(BASE64URL))
def test_base64url_is_canonical_exactly_when_it_reencodes(size: int, last: str) -> None:
    text = b64(b"\xa5" * size)[:-1] + last  # every last character, for every length mod 4
    is_canonical = b64(unb64(text)) == text
    try:
        _compact._b64url_decode(text)
    except MalformedTokenError as exc:
        assert exc.reason == "non-canonical base64"
        assert not is_canonical
    else:
        assert is_canonical


@pytest.mark.parametrize("b64_value", [False, "false", 0, None, [], "true"])
def test_b64_other_than_true_refused(key: Key, b64_value: object) -> None:
    # Without crit, PyJWT and joserfc refuse b64=false too; ticketbooth must never read a
    # token that declares an unencoded payload (RFC 7797) as ordinary JWS.
    token = _compact.encode(header_for(key, b64=b64_value), claims_at(), key)
    with pytest.raises(MalformedTokenError) as info:
        decode(token, key)
    assert info.value.reason == "b64"


def test_b64_true_accepted(key: Key) -> None:
    token = _compact.encode(header_for(key, b64=True), claims_at(), key)
    assert decode(token, key) == claims_at()
