"""Differential test (issue 6): ticketbooth, PyJWT and joserfc give the same verdicts.

Each generated token goes to ``TokenValidator.validate``, to PyJWT's ``jwt.decode`` and to
joserfc's ``jwt.decode`` plus a ``JWTClaimsRegistry``, all three set up alike: one key and
its algorithm, one issuer, one audience, no leeway, and ``exp``/``iss``/``aud``/``sub``
required.  The verdict is compared (accept or refuse, and the claims when accepted),
never the exception type.

* Where the two peers agree, ticketbooth agrees with them, or one of ``DEVIATIONS``
  explains why not: each is deliberate, says why, and has a focused example test.
  ticketbooth accepting what both peers refuse is a bug.
* Where the peers disagree, ticketbooth may side with either.  Those cases are counted and
  printed by ``test_summary`` at the end of the module; the notable ones are pinned in
  ``PINNED`` with the side ticketbooth takes.

Time: ticketbooth and joserfc read a frozen clock at ``NOW``; PyJWT has no clock
parameter and reads the real one.  ``NOW`` is the real time at import and every
generated time is ``NOW`` itself or at least ``MARGIN`` away from it, so no verdict
depends on how long the suite has been running.
"""

from __future__ import annotations

import hmac
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from joserfc import jwt as joserfc_jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, OctKey, OKPKey, RSAKey

from ticketbooth.tokens import (
    ALGORITHMS,
    InvalidTokenError,
    Key,
    KeySet,
    MalformedTokenError,
    TokenIssuer,
    TokenValidator,
    UnknownKeyError,
    ValidationParameters,
    _compact,
)
from ticketbooth.tokens._compact import MAX_TOKEN_LENGTH
from ticketbooth.tokens.errors import WrongTokenTypeError

from .conftest import DROP, b64, unb64

pytestmark = pytest.mark.filterwarnings(
    # joserfc warns on every EdDSA verification that RFC 9864 deprecates the name "EdDSA";
    # ticketbooth issues "EdDSA", so the peer has to verify it all the same.
    "ignore:EdDSA is deprecated:joserfc.errors.SecurityWarning"
)

NOW = int(time.time())
MARGIN = 86_400
"""No generated time lies within a day of NOW, except NOW itself."""
LIFETIME = 7 * MARGIN
ISS = "urn:ticketbooth:differential"  # no "." so that an RFC 7797 payload reaches joserfc
AUD = "differential-api"
REQUIRED = ["exp", "iss", "aud", "sub"]

MUTATION_EXAMPLES = 800
TEXT_EXAMPLES = 100
MIN_CASES = 2_000
"""Both tests run once per algorithm: 4 * (800 + 100) = 3,600 cases."""

DIFFERENTIAL = settings(
    deadline=None,
    derandomize=True,  # the same cases on every run, here and in CI
    database=None,
    suppress_health_check=[HealthCheck.too_slow],  # RSA signing inside the strategies
)


# -- the three validators -------------------------------------------------------------


@dataclass(frozen=True)
class Arena:
    """One algorithm's key, a valid token, and the three validators set up alike."""

    key: Key
    token: str
    header: dict[str, Any]
    claims: dict[str, Any]
    validator: TokenValidator
    pyjwt_key: Any
    joserfc_key: Any
    confusion_secret: bytes
    """What an algorithm-confusion forger signs HS256 with: the public PEM (or the secret)."""

    def __repr__(self) -> str:  # short hypothesis reports, and no secrets in them
        return f"<Arena {self.key.alg}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # hypothesis's printer
        printer.text(repr(self))


JOSE_KEY_TYPES: dict[str, type[RSAKey] | type[ECKey] | type[OKPKey]] = {
    "RS256": RSAKey,
    "ES256": ECKey,
    "EdDSA": OKPKey,
}


@pytest.fixture(scope="session")
def arena(key: Key) -> Arena:
    keys = KeySet([key])
    issuer = TokenIssuer(keys, issuer=ISS, audience=AUD, lifetime=LIFETIME, now=lambda: NOW)
    token = issuer.issue(subject="42", name="john", role="User").token
    header, claims = _compact.decode_unverified(token)
    params = ValidationParameters(issuer=ISS, audience=AUD)
    validator = TokenValidator(keys, params, now=lambda: NOW)
    if key.is_symmetric:
        secret = key.export_private()
        jose_secret = OctKey.import_key(secret)
        return Arena(key, token, header, claims, validator, secret, jose_secret, secret)
    public = serialization.load_pem_private_key(key.export_private(), None).public_key()
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    jose_key = JOSE_KEY_TYPES[key.alg].import_key(pem)
    return Arena(key, token, header, claims, validator, public, jose_key, pem)


@pytest.fixture(scope="module", autouse=True)
def _own_header_cache() -> Iterator[None]:
    """Keep thousands of signed test headers out of the process-wide header cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_compact, "_headers", {})
        yield


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    why: str = "accepted"
    detail: str = ""
    claims: dict[str, Any] | None = None
    error: InvalidTokenError | None = None


def ticketbooth_verdict(arena: Arena, token: str) -> Verdict:
    # Anything but an InvalidTokenError escapes and fails the test: a crash is a bug.
    try:
        claims = arena.validator.validate(token)
    except InvalidTokenError as exc:
        reason = f"({exc.reason})" if isinstance(exc, MalformedTokenError) else ""
        return Verdict(False, type(exc).__name__ + reason, error=exc)
    return Verdict(True, claims=claims)


def _refusal(exc: Exception, expected: type[Exception]) -> Verdict:
    crash = "" if isinstance(exc, expected) else "crash: "
    return Verdict(False, crash + type(exc).__name__, str(exc)[:90])


def pyjwt_verdict(arena: Arena, token: str) -> Verdict:
    try:
        claims = jwt.decode(
            token,
            arena.pyjwt_key,
            algorithms=[arena.key.alg],
            audience=AUD,
            issuer=ISS,
            leeway=0,
            options={"require": REQUIRED},
        )
    except Exception as exc:  # a peer's crash counts as a refusal, and is reported
        return _refusal(exc, jwt.PyJWTError)
    return Verdict(True, claims=claims)


JOSERFC_CLAIMS = joserfc_jwt.JWTClaimsRegistry(
    now=NOW,
    leeway=0,
    iss={"essential": True, "value": ISS},
    aud={"essential": True, "value": AUD},
    exp={"essential": True},
    sub={"essential": True},
)


def joserfc_verdict(arena: Arena, token: str) -> Verdict:
    try:
        claims = joserfc_jwt.decode(token, arena.joserfc_key, algorithms=[arena.key.alg]).claims
        JOSERFC_CLAIMS.validate(claims)
    except Exception as exc:  # as above
        return _refusal(exc, JoseError)
    return Verdict(True, claims=claims)


def verdicts(arena: Arena, token: str) -> tuple[Verdict, Verdict, Verdict]:
    """ticketbooth's, PyJWT's and joserfc's."""
    return (
        ticketbooth_verdict(arena, token),
        pyjwt_verdict(arena, token),
        joserfc_verdict(arena, token),
    )


# -- building tokens ------------------------------------------------------------------

BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _json(value: Any, **options: Any) -> bytes:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), **options)
    return text.encode("utf-8", "surrogatepass")  # a lone surrogate stays invalid UTF-8


def _duplicate(value: dict[str, Any], *, first: bool) -> bytes:
    """The object with its first member's name repeated, set to "evil", before or after."""
    compact = _json(value)
    member = b'"' + next(iter(value)).encode() + b'":"evil"'
    return b"{" + member + b"," + compact[1:] if first else compact[:-1] + b"," + member + b"}"


ENCODINGS: dict[str, Callable[[dict[str, Any]], bytes]] = {
    "compact": _json,
    "ascii": lambda v: json.dumps(v).encode(),
    "spaced": lambda v: _json(v, indent=2),
    "utf-8-bom": lambda v: b"\xef\xbb\xbf" + _json(v),
    "utf-16": lambda v: json.dumps(v).encode("utf-16"),
    "utf-32-le": lambda v: json.dumps(v).encode("utf-32-le"),
    "duplicate-first": lambda v: _duplicate(v, first=True),
    "duplicate-last": lambda v: _duplicate(v, first=False),
    "in-array": lambda v: _json([v]),
    "unencoded": _json,  # RFC 7797: the payload segment is the JSON text itself
}


def _sign(arena: Arena, signing_input: str, signer: str) -> str:
    data = signing_input.encode("utf-8", "surrogatepass")
    if signer == "none":
        return ""
    if signer == "confusion":
        return b64(hmac.digest(arena.confusion_secret, data, "sha256"))
    return b64(arena.key.sign(data))


def _changed(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = {**base, **changes}
    return {name: value for name, value in merged.items() if value is not DROP}


Edit = tuple[str, int | None, int, str]
"""(operation, segment index or None for the whole text, position, character)."""


def forge(
    arena: Arena,
    *,
    header: dict[str, Any] | None = None,
    claims: dict[str, Any] | None = None,
    header_style: str = "compact",
    payload_style: str = "compact",
    before_signing: tuple[Edit, ...] = (),
    signer: str = "key",
) -> str:
    """The arena's token with header fields and claims changed (DROP removes), re-signed."""
    header = dict(header or {})
    if payload_style == "unencoded":
        header.update(b64=False, crit=["b64"])
    payload = ENCODINGS[payload_style](_changed(arena.claims, claims or {}))
    encoded_header = b64(ENCODINGS[header_style](_changed(arena.header, header)))
    unencoded = payload_style == "unencoded"
    encoded_payload = payload.decode("utf-8", "surrogatepass") if unencoded else b64(payload)
    signing_input = f"{encoded_header}.{encoded_payload}"
    for edit in before_signing:
        signing_input = apply(signing_input, edit)
    return f"{signing_input}.{_sign(arena, signing_input, signer)}"


def _noncanonical(text: str, position: int, char: str) -> str:
    """Set unused low bits of the last character: the same bytes in a different text."""
    spare = {2: 0b1111, 3: 0b11}.get(len(text) % 4)
    if spare is None or text[-1] not in BASE64URL:
        return text
    return text[:-1] + BASE64URL[BASE64URL.index(text[-1]) | (1 + position % spare)]


def _at(text: str, position: int) -> int:
    return position % (len(text) + 1)


CHARACTER_EDITS: dict[str, Callable[[str, int, str], str]] = {
    "replace": lambda s, i, c: s[: _at(s, i)] + c + s[_at(s, i) + 1 :],
    "insert": lambda s, i, c: s[: _at(s, i)] + c + s[_at(s, i) :],
    "delete": lambda s, i, c: s[: _at(s, i)] + s[_at(s, i) + 1 :],
    "truncate": lambda s, i, c: s[: _at(s, i)],
    "swapcase": lambda s, i, c: s[: _at(s, i)] + s[_at(s, i) :][:1].swapcase() + s[_at(s, i) + 1 :],
    "pad": lambda s, i, c: s + "=" * (1 + i % 3),
    "noncanonical": _noncanonical,
    "standard-alphabet": lambda s, i, c: s.replace("-", "+").replace("_", "/"),
    "wrap": lambda s, i, c: c + s + c,
    "bearer": lambda s, i, c: "Bearer " + s,
}
SEGMENT_EDITS: dict[str, Callable[[list[str], int], list[str]]] = {
    "swap": lambda p, i: [*p[1:2], *p[:1], *p[2:]] if i % 2 else [*p[:1], *p[2:3], *p[1:2]],
    "duplicate": lambda p, i: [*p[: i % len(p)], p[i % len(p)], *p[i % len(p) :]],
    "drop": lambda p, i: [*p[: i % len(p)], *p[i % len(p) + 1 :]],
    "empty-segment": lambda p, i: [*p, ""],
}


def apply(token: str, edit: Edit) -> str:
    operation, where, position, char = edit
    segments = token.split(".")
    if operation in SEGMENT_EDITS:
        return ".".join(SEGMENT_EDITS[operation](segments, position))
    if where is None:
        return CHARACTER_EDITS[operation](token, position, char)
    index = where % len(segments)
    segments[index] = CHARACTER_EDITS[operation](segments[index], position, char)
    return ".".join(segments)


# -- strategies -----------------------------------------------------------------------

CHARACTERS = st.sampled_from(list("AQgw09-_=+/.~ \t\n\0\u00e9\uff21")) | st.characters(
    codec="utf-8"
)
EDITS = st.tuples(
    st.sampled_from([*CHARACTER_EDITS, *SEGMENT_EDITS]),
    st.sampled_from([None, 0, 1, 2]),
    st.integers(0, 4096),
    CHARACTERS,
)
SIGNED_EDITS = st.tuples(  # to the header or payload text, before signing
    st.sampled_from(["noncanonical", "pad", "replace", "insert", "standard-alphabet", "wrap"]),
    st.sampled_from([0, 1]),
    st.integers(0, 4096),
    CHARACTERS,
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=5,
)

_OFFSETS = (
    st.sampled_from([0, MARGIN, -MARGIN, 10**8, -(10**8)])
    | st.integers(MARGIN, 10**10)
    | st.integers(-(10**10), -MARGIN)
)
TIMES = st.one_of(
    _OFFSETS.map(lambda o: NOW + o),
    _OFFSETS.filter(bool).map(lambda o: NOW + o + 0.5),
    _OFFSETS.map(lambda o: str(NOW + o)),
    st.sampled_from([2**53, 2**53 + 1, -(2**53) - 1, 10**20, 1e300, -1e300, float("nan")]),
    st.sampled_from([DROP, None, True, False, "", [NOW + MARGIN], {}]),
)
_AUDIENCES = [DROP, [[AUD]], "", None, 0, {"aud": AUD}, AUD + "\0", "other"]
CLAIM_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "exp": TIMES,
    "nbf": TIMES,
    "iat": TIMES,
    "iss": st.text(max_size=4)
    | st.sampled_from([DROP, ISS + " ", ISS.upper(), "", None, 7, [ISS], {"iss": ISS}]),
    "aud": st.lists(st.sampled_from([AUD, "other", "", 7, None]), max_size=3)
    | st.sampled_from(_AUDIENCES),
    "sub": st.text(max_size=6)
    | st.sampled_from([DROP, "", 42, 4.2, None, True, ["42"], {"id": "42"}, "\ud800"]),
    "jti": st.text(max_size=6) | st.sampled_from([DROP, "", 5, None, True, ["j"], {"j": 1}]),
    "pad": (st.integers(0, 7000) | st.sampled_from([6200, 7000])).map(lambda n: "x" * n),
    "count": st.integers()  # a private claim, for JSON numbers
    | st.sampled_from([2**64 + 1, -(2**63) - 1, 10**20 + 1, float("nan"), float("inf")]),
}
HEADER_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "alg": st.sampled_from(["none", "None", "NONE", "HS256", "HS512", "RS256", "PS256"])
    | st.sampled_from(["ES256", "ES256K", "EdDSA", "Ed25519", "hs256", "", None, 256, DROP]),
    "kid": st.sampled_from([DROP, "retired-2023", "", " ", None, 7, ["k"]]),
    "typ": st.sampled_from(["at+jwt", "jwt", "", None, 1, DROP]),
    "cty": st.sampled_from(["JWT", "", 1]),
    "crit": st.sampled_from([[], ["b64"], ["kid"], ["alg", "typ"], ["exp"], "b64", 5, None])
    | st.sampled_from([[1], [["b64"]], {"b64": True}]),
    "b64": st.sampled_from([True, False, "false", 0, None]),
    "crit+b64": st.sampled_from([True, False]).map(lambda b: {"crit": ["b64"], "b64": b}),
    "jku": st.sampled_from(["https://evil.example/jwks.json", "jwks.json", 1]),
    "x5t": st.integers(0, 1200).map(lambda n: "t" * n),  # a registered header of any size
}
HEADER_PARAMETERS = frozenset([*HEADER_VALUES, "jwk", "x5u", "x5c", "x5t#S256"])


def _rarely(strategy: st.SearchStrategy[Any], default: Any) -> st.SearchStrategy[Any]:
    """``default`` nine times in ten."""
    return st.sampled_from([True] * 9 + [False]).flatmap(
        lambda is_default: st.just(default) if is_default else strategy
    )


@st.composite
def _changes(
    draw: st.DrawFn, values: dict[str, st.SearchStrategy[Any]], known: frozenset[str]
) -> dict[str, Any]:
    names = draw(st.lists(st.sampled_from(sorted(values)), min_size=1, max_size=2, unique=True))
    changes = {name: draw(values[name]) for name in names}
    changes.update(changes.pop("crit+b64", {}))
    others = st.text(max_size=4).filter(lambda name: name not in known)
    changes.update(draw(_rarely(st.dictionaries(others, JSON_VALUES, min_size=1, max_size=1), {})))
    return changes


@dataclass(frozen=True)
class Case:
    token: str
    how: str


def _short(value: object) -> str:
    text = repr(value).replace(repr(DROP), "DROP")
    return text if len(text) <= 60 else f"{text[:45]}...({len(text)} chars)"


@st.composite
def edited(draw: st.DrawFn, arena: Arena) -> Case:
    """The valid token with one to three edits to its text."""
    edits = draw(st.lists(EDITS, min_size=1, max_size=3))
    token = arena.token
    for edit in edits:
        token = apply(token, edit)
    return Case(token, f"edits {_short(edits)}")


PERTURBATIONS: dict[str, tuple[st.SearchStrategy[Any], Any]] = {
    "claims": (st.deferred(lambda: _changes(CLAIM_VALUES, frozenset(CLAIM_VALUES))), {}),
    "header": (st.deferred(lambda: _changes(HEADER_VALUES, HEADER_PARAMETERS)), {}),
    "header_style": (st.sampled_from(list(ENCODINGS)[1:-1]), "compact"),
    "payload_style": (st.sampled_from(list(ENCODINGS)[1:]), "compact"),
    "before_signing": (st.tuples(SIGNED_EDITS), ()),
    "signer": (st.sampled_from(["none", "confusion"]), "key"),
    "after": (st.tuples(EDITS), ()),
}
"""What a re-signed case may change, and the value that changes nothing."""


@st.composite
def resigned(draw: st.DrawFn, arena: Arena) -> Case:
    """A token made with one thing changed (claims most often), and seldom another."""
    chosen = draw(st.sampled_from(["claims", "claims", "header", *PERTURBATIONS]))
    recipe = {
        name: draw(strategy if name == chosen else _rarely(strategy, unchanged))
        for name, (strategy, unchanged) in PERTURBATIONS.items()
    }
    after = recipe.pop("after")
    token = forge(arena, **recipe)
    for edit in after:
        token = apply(token, edit)
    how = [f"{k} {_short(v)}" for k, v in recipe.items() if v and v not in ("compact", "key")]
    how += [f"then {_short(after)}"] if after else []
    return Case(token, "; ".join(how))


def _segments(header: Any, payload: Any, signature: bytes) -> Case:
    token = f"{b64(_json(header))}.{b64(_json(payload))}.{b64(signature)}"
    return Case(token, f"random JSON {_short(header)}.{_short(payload)}")


ARBITRARY = st.one_of(
    st.text(max_size=300).map(lambda t: Case(t, f"text {_short(t)}")),
    st.from_regex(r"[\w=-]{0,80}\.[\w=-]{0,200}\.[\w=-]{0,120}", fullmatch=True).map(
        lambda t: Case(t, f"base64url-like {_short(t)}")
    ),
    st.builds(_segments, JSON_VALUES, JSON_VALUES, st.binary(max_size=300)),
)


# -- deliberate deviations ------------------------------------------------------------


def _python_json(raw: bytes | str) -> bool:
    try:
        json.loads(raw)
    except (ValueError, RecursionError):
        return False
    return True


def _json_refusal(token: str, tb: Verdict, *, utf8_text: bool) -> bool:
    """ticketbooth refused as not JSON a segment that Python's json.loads reads: as UTF-8
    text (``utf8_text``), or only as bytes, in another encoding or after a BOM."""
    error = tb.error
    if not isinstance(error, MalformedTokenError) or not error.reason.endswith("not JSON"):
        return False
    raw = unb64(token.split(".")[1 if error.reason.startswith("payload") else 0])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    return _python_json(raw) and _python_json(text) == utf8_text


def _big_ints_became_floats(ours: Any, theirs: Any) -> bool:
    """orjson reads integers outside [-2**63, 2**64) as floats; Python's json keeps them."""
    if isinstance(theirs, dict) and isinstance(ours, dict) and ours.keys() == theirs.keys():
        return all(_big_ints_became_floats(ours[k], theirs[k]) for k in theirs)
    if isinstance(theirs, list) and isinstance(ours, list) and len(ours) == len(theirs):
        return all(_big_ints_became_floats(a, b) for a, b in zip(ours, theirs, strict=True))
    if type(theirs) is int and not -(2**63) <= theirs < 2**64:
        return type(ours) is float and ours == float(theirs)
    return bool(ours == theirs)


def _reason(tb: Verdict, *reasons: str) -> bool:
    return isinstance(tb.error, MalformedTokenError) and tb.error.reason in reasons


@dataclass(frozen=True)
class Deviation:
    """Where ticketbooth deliberately differs from two peers that agree with each other."""

    name: str
    why: str
    example: Callable[[Arena], str]
    explains: Callable[[str, Verdict, Verdict], bool]
    """(token, ticketbooth's verdict, the peers' verdict) -> is this the deviation?"""


DEVIATIONS = [
    Deviation(
        "typ",
        "issue 11: typ says what a token is for (RFC 8725 3.11), and an access-token "
        "validator accepts JWT (or none) only; the peers were not told about typ",
        lambda a: forge(a, header={"typ": "at+jwt"}),
        lambda t, tb, _: isinstance(tb.error, WrongTokenTypeError),
    ),
    Deviation(
        "token over 8 KB",
        "input is bounded before any decoding (STYLE 12); PyJWT has no bound, joserfc ~128 KB",
        lambda a: forge(a, claims={"pad": "x" * 7000}),
        lambda t, tb, _: _reason(tb, "not a compact JWS") and len(t) > MAX_TOKEN_LENGTH,
    ),
    Deviation(
        "crit",
        "no JWS extension is understood, so every crit is refused (RFC 7515 4.1.11); both "
        "peers accept crit ['b64'] with b64 true",
        lambda a: forge(a, header={"crit": ["b64"], "b64": True}),
        lambda t, tb, _: _reason(tb, "crit", "unknown crit extension"),
    ),
    Deviation(
        "unknown kid",
        "keys are looked up by kid (STYLE 13); the peers were handed the one key and "
        "ignore kid, so they accept a kid no key has",
        lambda a: forge(a, header={"kid": "retired-2023"}),
        lambda t, tb, _: isinstance(tb.error, UnknownKeyError) and tb.error.kid is not None,
    ),
    Deviation(
        "time claim beyond 2**53",
        "exp, nbf and iat must lie within +-2**53 s, where floats are exact; the peers "
        "accept any finite number (an exp of 10**300 never expires)",
        lambda a: forge(a, claims={"exp": 2**53 + 1}),
        lambda t, tb, _: (
            isinstance(tb.error, MalformedTokenError)
            and tb.error.reason.endswith("is not a finite number")
        ),
    ),
    Deviation(
        "JSON in UTF-8 only",
        "RFC 7515 and RFC 8259 8.1 require UTF-8 without a BOM; Python's json.loads on "
        "bytes also reads UTF-16, UTF-32 and a UTF-8 BOM",
        lambda a: forge(a, payload_style="utf-16"),
        lambda t, tb, _: _json_refusal(t, tb, utf8_text=False),
    ),
    Deviation(
        "strict JSON",
        "orjson refuses what RFC 8259 does not allow (NaN, Infinity, numbers beyond a "
        "double, lone surrogates); Python's json reads them",
        lambda a: forge(a, claims={"score": float("nan")}),
        lambda t, tb, _: _json_refusal(t, tb, utf8_text=True),
    ),
    Deviation(
        "big integers read as floats",
        "not a refusal: orjson reads integers outside [-2**63, 2**64) as floats, so such a "
        "private claim loses precision (time claims are bounded far below)",
        lambda a: forge(a, claims={"count": 10**20 + 1}),
        lambda t, tb, peer: (
            tb.accepted and peer.accepted and _big_ints_became_floats(tb.claims, peer.claims)
        ),
    ),
]


@pytest.mark.parametrize("deviation", DEVIATIONS, ids=lambda d: d.name)
def test_deviation(arena: Arena, deviation: Deviation) -> None:
    token = deviation.example(arena)
    tb, py, jo = verdicts(arena, token)
    assert py.accepted
    assert jo.accepted
    assert [d for d in DEVIATIONS if d.explains(token, tb, py)] == [deviation]


# -- pinned examples: what the brief named, and where the peers disagree ---------------


@dataclass(frozen=True)
class Pin:
    name: str
    verdicts: str
    """PyJWT's, joserfc's and ticketbooth's: A accepts, R refuses."""
    refusal: str
    """ticketbooth's exception (and reason) when it refuses."""
    example: Callable[[Arena], str]


def _header(**fields: Any) -> Callable[[Arena], str]:
    return lambda arena: forge(arena, header=fields)


def _claims(**claims: Any) -> Callable[[Arena], str]:
    return lambda arena: forge(arena, claims=claims)


def _noncanonical_signature(arena: Arena) -> str:
    return apply(arena.token, ("noncanonical", 2, 0, ""))


def _noncanonical_payload(arena: Arena) -> str:
    return forge(arena, claims={"pad": "x"}, before_signing=(("noncanonical", 1, 0, ""),))


def _unsigned(arena: Arena) -> str:
    return forge(arena, header={"alg": "none"}, signer="none")


def _unencoded_payload(arena: Arena) -> str:
    return forge(arena, payload_style="unencoded")


def _padded_signature(arena: Arena) -> str:
    return arena.token + "=" * (-len(arena.token.rpartition(".")[2]) % 4)


def _bad(reason: str) -> str:
    return f"MalformedTokenError({reason})"


PINNED = [
    # All three refuse: what the brief expected only ticketbooth to refuse, and the bugs
    # fixed in ticketbooth (jti, b64, null kid and crit, non-canonical base64url).
    Pin("sub not a string", "RRR", _bad("sub is not a string"), _claims(sub=42)),
    Pin("iat in the future", "RRR", "NotYetValidError", _claims(iat=NOW + MARGIN)),
    Pin("jti not a string", "RRR", _bad("jti is not a string"), _claims(jti=5)),
    Pin("b64 false without crit", "RRR", _bad("b64"), _header(b64=False)),
    Pin("kid null", "RRR", _bad("kid"), _header(kid=None)),
    Pin("crit null (joserfc: TypeError)", "RRR", _bad("crit"), _header(crit=None)),
    Pin("crit [1] (joserfc: TypeError)", "RRR", _bad("crit"), _header(crit=[1])),
    Pin("non-canonical signature", "RRR", _bad("non-canonical base64"), _noncanonical_signature),
    Pin("non-canonical payload", "RRR", _bad("non-canonical base64"), _noncanonical_payload),
    Pin("alg none", "RRR", "UnsupportedAlgorithmError", _unsigned),
    # The peers disagree, and ticketbooth sides with PyJWT...
    Pin("unknown header parameter", "ARA", "", _header(trace="1")),
    Pin("header over joserfc's 512 bytes", "ARA", "", _header(x5t="t" * 600)),
    Pin("empty sub", "ARA", "", _claims(sub="")),
    Pin(
        "crit naming a registered header",
        "RAR",
        _bad("unknown crit extension"),
        _header(crit=["kid"]),
    ),
    Pin("RFC 7797 unencoded payload", "RAR", _bad("not a compact JWS"), _unencoded_payload),
    # ...or with joserfc.
    Pin("exp a numeric string", "ARR", _bad("exp is not a number"), _claims(exp=str(NOW + MARGIN))),
    Pin("nbf false", "ARR", _bad("nbf is not a number"), _claims(nbf=False)),
    Pin("b64 not a boolean", "ARR", _bad("b64"), _header(b64="false")),
    # Issue 11: typ says what a token is for; a non-string typ names no profile.
    Pin("typ not a string", "ARR", "WrongTokenTypeError(typ)", _header(typ=1)),
    Pin("'=' padding on the signature", "ARR", _bad("not a compact JWS"), _padded_signature),
]


@pytest.mark.parametrize("pin", PINNED, ids=lambda p: p.name)
def test_pinned(arena: Arena, pin: Pin) -> None:
    tb, py, jo = verdicts(arena, pin.example(arena))
    assert "".join("A" if v.accepted else "R" for v in (py, jo, tb)) == pin.verdicts
    assert tb.accepted or tb.why == pin.refusal


# -- the differential tests -----------------------------------------------------------


@dataclass
class Tally:
    """What the differential tests saw, for the summary at the end of the module."""

    cases: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)
    runs: set[str] = field(default_factory=set)

    def record(self, outcome: str, example: str) -> None:
        self.outcomes[outcome] += 1
        self.examples.setdefault(outcome, example)

    def report(self) -> str:
        per_algorithm = ", ".join(f"{alg} {n}" for alg, n in sorted(self.cases.items()))
        lines = [f"differential: {self.cases.total()} cases ({per_algorithm})"]
        for outcome, count in self.outcomes.most_common():
            lines.append(f"  {count:5}  {outcome}")
            if not outcome.startswith("all "):
                lines.append(f"         e.g. {self.examples[outcome]}")
        unseen = [d.name for d in DEVIATIONS if f"deviation: {d.name}" not in self.outcomes]
        lines += [f"  deviations not exercised: {', '.join(unseen)}"] if unseen else []
        return "\n".join(lines)


@pytest.fixture(scope="session")
def tally() -> Tally:
    return Tally()


def _side(verdict: Verdict) -> str:
    return "accepts" if verdict.accepted else f"refuses ({verdict.why})"


def judge(arena: Arena, tally: Tally, case: Case) -> None:
    """Compare the three verdicts on one case; fail unless they agree or may differ."""
    tb, py, jo = verdicts(arena, case.token)
    tally.cases[arena.key.alg] += 1
    for name, peer in (("PyJWT", py), ("joserfc", jo)):
        if peer.why.startswith("crash"):
            tally.record(f"{name} {peer.why}", f"{case.how}: {peer.detail}")
    reference = py  # the peers' common verdict, or the accepting peer's
    if py.accepted != jo.accepted:
        reference, refuser = (py, jo) if py.accepted else (jo, py)
        first = "PyJWT" if py.accepted else "joserfc"
        outcome = f"only {first} accepts, the other {_side(refuser)}; ticketbooth {_side(tb)}"
        tally.record(outcome, f"{case.how}: {refuser.detail}")
        if not tb.accepted:
            return  # ticketbooth sides with the refusing peer
    if tb.accepted == reference.accepted and tb.claims == reference.claims:
        if py.accepted == jo.accepted:
            tally.record("all accept" if tb.accepted else "all refuse", case.how)
        return
    deviation = next((d for d in DEVIATIONS if d.explains(case.token, tb, reference)), None)
    assert deviation is not None, (
        f"ticketbooth {_side(tb)}; PyJWT {_side(py)}; joserfc {_side(jo)}: {case.how}"
    )
    tally.record(f"deviation: {deviation.name}", case.how)


@settings(DIFFERENTIAL, max_examples=MUTATION_EXAMPLES)
@given(data=st.data())
def test_mutated_tokens(arena: Arena, tally: Tally, data: st.DataObject) -> None:
    tally.runs.add(f"mutated {arena.key.alg}")
    cases = st.one_of(edited(arena), resigned(arena), resigned(arena))
    judge(arena, tally, data.draw(cases, label="case"))


@settings(DIFFERENTIAL, max_examples=TEXT_EXAMPLES)
@given(case=ARBITRARY)
def test_arbitrary_text(arena: Arena, tally: Tally, case: Case) -> None:
    tally.runs.add(f"text {arena.key.alg}")
    judge(arena, tally, case)


def test_summary(tally: Tally, capsys: pytest.CaptureFixture[str]) -> None:
    """Print what the peers disagreed on, and check that enough cases ran."""
    if len(tally.runs) < 2 * len(ALGORITHMS):
        pytest.skip("summarises a full run of this module only")
    with capsys.disabled():
        print("\n" + tally.report())
    assert tally.cases.total() >= MIN_CASES
