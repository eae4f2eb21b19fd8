"""examples/reports_job.py runs: private_key_jwt at ticketbooth, then the scoped report of
examples/orders_service.py (three real processes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.oauth.helpers import register, secret_client
from tests.servers import ServerFactory
from tests.verify.test_orders_service import ES256, ROOT, Orders, start_orders

__all__ = ["start_orders"]  # the fixture, imported for this module's tests


def _ec_key(tmp_path: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    private = tmp_path / "reports.pem"
    public = tmp_path / "reports.pub.pem"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private, public


def test_the_reports_job_reads_the_scoped_report(
    server_factory: ServerFactory, start_orders: Callable[..., Orders], tmp_path: Path
) -> None:
    issuer = server_factory(settings=ES256)
    orders = start_orders(issuer.base_url)
    john = issuer.token("john")
    assert orders.create(john).status_code == 201
    private, public = _ec_key(tmp_path)
    client_id = register(issuer, "reports", "--scope", "orders:read", "--public-key", str(public))[
        "client_id"
    ]

    job = subprocess.run(
        [
            sys.executable,
            str(ROOT / "examples" / "reports_job.py"),
            "--issuer-url",
            issuer.base_url,
            "--orders-url",
            orders.base_url,
            "--client-id",
            client_id,
            "--key",
            str(private),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    assert job.returncode == 0, job.stdout + job.stderr
    assert json.loads(job.stdout) == {"orders": 1, "quantity": 2, "readBy": client_id}

    # The report requires orders:read: a person's token lacks it, and so does a client
    # granted another scope; people's routes refuse client tokens.
    import httpx

    report = orders.base_url + "/api/orders/report"
    as_john = httpx.get(report, headers={"Authorization": f"Bearer {john}"}, timeout=10)
    assert as_john.status_code == 403
    assert as_john.json() == {"message": "This requires the scope orders:read"}
    assert as_john.headers["WWW-Authenticate"] == (
        'Bearer error="insufficient_scope", error_description="This requires the scope '
        'orders:read", scope="orders:read"'
    )
    writer = register(issuer, "writer", "--scope", "orders:write")
    with secret_client(writer, "client_secret_basic") as client:
        token = client.fetch_token(
            issuer.base_url + "/oauth/token", grant_type="client_credentials"
        )["access_token"]
    as_writer = httpx.get(report, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert as_writer.status_code == 403
    assert as_writer.json() == {"message": "This requires the scope orders:read"}
    placed = orders.create(token)
    assert placed.status_code == 403
    assert placed.json() == {"message": "This route is for users; a client's token cannot call it"}
