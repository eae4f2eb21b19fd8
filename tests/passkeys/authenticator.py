"""A software authenticator: what a browser and a passkey would send, built by hand.

The API tests cannot drive a browser's authenticator, so this one makes the same bytes
(WebAuthn §6.1 authenticator data, §5.8.1 client data, CBOR attestation ``none``) with
an EC P-256 key from ``cryptography``, and hands them over in the JSON shape
``PublicKeyCredential.toJSON()`` writes.  Every field a test wants to get wrong (the
origin, the RP id, user verification, the counter, the user handle, the challenge) is
a keyword argument.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import struct
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import encode_cbor

UP, UV, AT = 0x01, 0x04, 0x40  # flags: user present, user verified, attested data
AAGUID = bytes(16)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _cose_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    numbers = key.public_key().public_numbers()
    return encode_cbor(
        {
            1: 2,  # kty: EC2
            3: -7,  # alg: ES256
            -1: 1,  # crv: P-256
            -2: numbers.x.to_bytes(32, "big"),
            -3: numbers.y.to_bytes(32, "big"),
        }
    )


@dataclass
class Credential:
    """One key the authenticator holds (a resident key: it keeps the user handle)."""

    credential_id: bytes
    key: ec.EllipticCurvePrivateKey
    rp_id: str
    user_handle: bytes
    sign_count: int = 0


@dataclass
class SoftAuthenticator:
    """Makes registration and sign-in responses for ``origin``.

    Args:
        origin: the origin the "browser" puts in ``clientDataJSON``.
        counter: whether the authenticator keeps a signature counter (many passkeys
            report 0 every time).
    """

    origin: str
    counter: bool = True
    credentials: list[Credential] = field(default_factory=list)

    @property
    def rp_id(self) -> str:
        return self.origin.split("://", 1)[1].split(":")[0]

    def create(
        self,
        options: dict[str, Any],
        *,
        origin: str | None = None,
        rp_id: str | None = None,
        verified: bool = True,
        credential_id: bytes | None = None,
        ceremony: str = "webauthn.create",
    ) -> dict[str, Any]:
        """Answer creation options as ``navigator.credentials.create`` would."""
        rp = rp_id or options["rp"]["id"]
        credential = Credential(
            credential_id=credential_id or secrets.token_bytes(32),
            key=ec.generate_private_key(ec.SECP256R1()),
            rp_id=rp,
            user_handle=unb64url(options["user"]["id"]),
        )
        client_data = self._client_data(ceremony, options["challenge"], origin)
        cid = credential.credential_id
        attested = AAGUID + struct.pack(">H", len(cid)) + cid + _cose_key(credential.key)
        auth_data = self._auth_data(rp, UP | AT | (UV if verified else 0), 0) + attested
        attestation = encode_cbor({"fmt": "none", "attStmt": {}, "authData": auth_data})
        self.credentials.append(credential)
        return {
            "id": b64url(cid),
            "rawId": b64url(cid),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {"credProps": {"rk": True}},
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation),
                "transports": ["internal", "hybrid"],
            },
        }

    def get(
        self,
        options: dict[str, Any],
        *,
        credential: Credential | None = None,
        origin: str | None = None,
        rp_id: str | None = None,
        verified: bool = True,
        sign_count: int | None = None,
        user_handle: bytes | None = None,
        challenge: str | None = None,
        ceremony: str = "webauthn.get",
    ) -> dict[str, Any]:
        """Answer request options as ``navigator.credentials.get`` would (the newest
        credential unless one is named)."""
        chosen = credential or self.credentials[-1]
        if sign_count is None:
            if self.counter:
                chosen.sign_count += 1
            sign_count = chosen.sign_count
        if challenge is None:
            challenge = options["challenge"]
        client_data = self._client_data(ceremony, challenge, origin)
        auth_data = self._auth_data(
            rp_id or options.get("rpId") or chosen.rp_id, UP | (UV if verified else 0), sign_count
        )
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = chosen.key.sign(signed, ec.ECDSA(hashes.SHA256()))
        handle = chosen.user_handle if user_handle is None else user_handle
        return {
            "id": b64url(chosen.credential_id),
            "rawId": b64url(chosen.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": b64url(handle),
            },
        }

    def _client_data(self, ceremony: str, challenge: str, origin: str | None) -> bytes:
        data = {
            "type": ceremony,
            "challenge": challenge,
            "origin": origin or self.origin,
            "crossOrigin": False,
        }
        return json.dumps(data, separators=(",", ":")).encode("utf-8")

    @staticmethod
    def _auth_data(rp_id: str, flags: int, sign_count: int) -> bytes:
        rp_hash = hashlib.sha256(rp_id.encode("utf-8")).digest()
        return rp_hash + bytes([flags]) + struct.pack(">I", sign_count)
