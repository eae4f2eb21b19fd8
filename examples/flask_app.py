"""A Flask API that trusts ticketbooth's tokens (``pip install ticketbooth[flask]``).

Run it beside ticketbooth (RS256, ES256 or EdDSA publish their public keys)::

    TICKETBOOTH_ALGORITHM=RS256 ticketbooth serve --port 8000
    python examples/flask_app.py --issuer-url http://127.0.0.1:8000 --port 8002

    curl localhost:8002/api/me -H "Authorization: Bearer $ACCESS"

Its routes live on a blueprint; some views are sync and some async (``flask[async]``).
"""

from __future__ import annotations

import argparse
from typing import Any

from flask import Blueprint, Flask

from ticketbooth.flask import (
    TicketBooth,
    current_principal,
    login_required,
    roles_required,
    scopes_required,
)
from ticketbooth.verify import JWKSVerifier, Verifier

api = Blueprint("api", __name__, url_prefix="/api")


def _me() -> dict[str, Any]:
    return {
        "userId": current_principal.user_id,
        "userName": current_principal.username,
        "role": current_principal.role,
    }


@api.get("/me")
@login_required
def me() -> dict[str, Any]:
    return _me()


@api.get("/async/me")
@login_required
async def me_async() -> dict[str, Any]:
    return _me()


@api.get("/admin")
@roles_required("Admin")
async def admin() -> dict[str, Any]:
    return _me()


@api.get("/orders")
@scopes_required("orders:read")
def orders() -> dict[str, Any]:
    return _me()


@api.get("/whoami")
def whoami() -> dict[str, Any]:
    """No decorator: reading ``current_principal`` authenticates (401 without a token)."""
    return _me()


def create_app(verifier: Verifier) -> Flask:
    """The example app, verifying tokens with ``verifier``."""
    app = Flask(__name__)
    TicketBooth(app, verifier)
    app.register_blueprint(api)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issuer-url", default="http://127.0.0.1:8000")
    parser.add_argument("--audience", default="ticketbooth-api")
    parser.add_argument("--port", type=int, default=8002)
    args = parser.parse_args()
    app = create_app(JWKSVerifier(args.issuer_url, args.audience))
    app.run(host="127.0.0.1", port=args.port)


if __name__ == "__main__":
    main()
