"""OAuth 2.0 clients (client credentials): the key their secrets are hashed with."""

from __future__ import annotations

from pydantic import BaseModel, SecretStr


class OAuthSettings(BaseModel):
    """``TICKETBOOTH_CLIENT_SECRET_KEY``: the HMAC key client secrets are hashed with."""

    client_secret_key: SecretStr | None = None

    @property
    def client_secret_key_bytes(self) -> bytes | None:
        """The client-secret HMAC key as UTF-8 bytes, when one is configured."""
        key = self.client_secret_key
        return None if key is None else key.get_secret_value().encode()
