"""The only module that imports ``webauthn`` (py_webauthn): options out, responses in.

What is decided here: discoverable credentials (resident key required), user
verification required, attestation ``none`` (no attestation trust store: a passkey is
trusted because its owner, signed in, registered it), and the algorithms py_webauthn
supports.  Every failure of the library, whatever it raises on hostile input, leaves
this module as :class:`RejectedError` with a short reason code.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    base64url_to_bytes,
    parse_authentication_credential_json,
    parse_authenticator_data,
    parse_client_data_json,
)
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from .relying_party import RelyingParty


class RejectedError(Exception):
    """A WebAuthn response failed a check; ``reason`` is a short code for the audit."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ClientData:
    """What the browser wrote in ``clientDataJSON``: the ceremony, challenge and origin."""

    type: str
    challenge: bytes
    origin: str
    cross_origin: bool


@dataclass(frozen=True, slots=True)
class Assertion:
    """A sign-in response, parsed but not verified."""

    credential: Any  # webauthn's AuthenticationCredential
    credential_id: bytes
    user_handle: bytes | None
    client_data: ClientData
    rp_id_hash: bytes


@dataclass(frozen=True, slots=True)
class NewCredential:
    """A verified registration: what is stored for the passkey."""

    credential_id: bytes
    public_key: bytes
    sign_count: int
    transports: tuple[str, ...]


def creation_options(
    rp: RelyingParty,
    *,
    user_name: str,
    user_handle: bytes,
    challenge: bytes,
    exclude: Sequence[tuple[bytes, Sequence[str]]],
    timeout_ms: int,
) -> dict[str, Any]:
    """``PublicKeyCredentialCreationOptionsJSON`` for ``navigator.credentials.create``."""
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_name=user_name,
        user_id=user_handle,
        challenge=challenge,
        timeout=timeout_ms,
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            require_resident_key=True,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=cid, transports=_transports(names))
            for cid, names in exclude
        ],
    )
    parsed: dict[str, Any] = json.loads(options_to_json(options))
    return parsed


def request_options(rp: RelyingParty, *, challenge: bytes, timeout_ms: int) -> dict[str, Any]:
    """``PublicKeyCredentialRequestOptionsJSON`` for a discoverable sign-in: no
    ``allowCredentials``, so the authenticator offers the passkeys it holds for the RP."""
    options = generate_authentication_options(
        rp_id=rp.id,
        challenge=challenge,
        timeout=timeout_ms,
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    parsed: dict[str, Any] = json.loads(options_to_json(options))
    return parsed


def _transports(names: Sequence[str]) -> list[AuthenticatorTransport]:
    known = {t.value: t for t in AuthenticatorTransport}
    return [known[name] for name in names if name in known]


def client_data(credential: Mapping[str, Any]) -> ClientData:
    """The ``clientDataJSON`` of a credential as ``toJSON()`` wrote it.

    Raises:
        RejectedError: ``malformed`` — no readable client data in it.
    """
    try:
        response = credential["response"]
        raw = base64url_to_bytes(response["clientDataJSON"])
        parsed = parse_client_data_json(raw)
        cross_origin = bool(parsed.cross_origin)
    except Exception as exc:  # the parsers raise assorted errors on hostile input
        raise RejectedError("malformed") from exc
    return ClientData(
        type=str(parsed.type),
        challenge=parsed.challenge,
        origin=str(parsed.origin),
        cross_origin=cross_origin,
    )


def check_client_data(data: ClientData, rp: RelyingParty, ceremony: str) -> None:
    """The checks of WebAuthn §7.1/§7.2 steps on ``clientDataJSON`` that name a reason.

    Raises:
        RejectedError: ``wrong_type`` (a sign-in response offered for a registration, or the
            other way round), ``wrong_origin``, or ``cross_origin`` (made in a frame).
    """
    if data.type != ceremony:
        raise RejectedError("wrong_type")
    if data.origin not in rp.origins:
        raise RejectedError("wrong_origin")
    if data.cross_origin:
        raise RejectedError("cross_origin")


def verify_registration(
    credential: Mapping[str, Any], *, challenge: bytes, rp: RelyingParty
) -> NewCredential:
    """Verify a registration response (attestation ``none``, or any the library checks).

    Raises:
        RejectedError: ``wrong_origin``, ``wrong_rp_id``, ``not_verified`` (no user
            verification) or ``bad_attestation``.
    """
    check_client_data(client_data(credential), rp, "webauthn.create")
    try:
        verified = verify_registration_response(
            credential=dict(credential),
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=list(rp.origins),
            require_user_verification=True,
        )
    except Exception as exc:  # the library raises assorted errors on hostile input
        raise RejectedError(_reason(exc, "bad_attestation")) from exc
    names = credential["response"].get("transports")
    known = {t.value for t in AuthenticatorTransport}
    given = {n for n in names if isinstance(n, str)} if isinstance(names, list) else set()
    transports = tuple(sorted(given & known))
    return NewCredential(
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=transports,
    )


def parse_assertion(credential: Mapping[str, Any]) -> Assertion:
    """Read a sign-in response without verifying it (to find its challenge and key).

    Raises:
        RejectedError: ``malformed``.
    """
    data = client_data(credential)
    try:
        parsed = parse_authentication_credential_json(dict(credential))
        auth_data = parse_authenticator_data(parsed.response.authenticator_data)
    except Exception as exc:  # the parsers raise assorted errors on hostile input
        raise RejectedError("malformed") from exc
    handle = parsed.response.user_handle
    return Assertion(
        credential=parsed,
        credential_id=parsed.raw_id,
        user_handle=bytes(handle) if handle else None,
        client_data=data,
        rp_id_hash=auth_data.rp_id_hash,
    )


def verify_assertion(
    assertion: Assertion, *, challenge: bytes, rp: RelyingParty, public_key: bytes
) -> int:
    """Verify a sign-in response against the stored public key; returns its counter.

    The counter is returned, not judged: the caller compares it with the stored one so
    that a regression is told apart (and audited) from a bad signature.

    Raises:
        RejectedError: ``wrong_origin``, ``wrong_rp_id``, ``not_verified`` or ``bad_signature``.
    """
    check_client_data(assertion.client_data, rp, "webauthn.get")
    if assertion.rp_id_hash != hashlib.sha256(rp.id.encode("utf-8")).digest():
        raise RejectedError("wrong_rp_id")
    try:
        verified = verify_authentication_response(
            credential=assertion.credential,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=list(rp.origins),
            credential_public_key=public_key,
            credential_current_sign_count=0,  # judged by the caller
            require_user_verification=True,
        )
    except Exception as exc:  # the library raises assorted errors on hostile input
        raise RejectedError(_reason(exc, "bad_signature")) from exc
    return int(verified.new_sign_count)


def _reason(exc: Exception, default: str) -> str:
    text = str(exc)
    if "RP ID" in text:
        return "wrong_rp_id"
    if "verification is required" in text or "not verified" in text:
        return "not_verified"
    if "not present" in text:
        return "not_present"
    return default
