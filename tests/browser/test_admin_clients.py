"""The console's Clients view in headless Chromium: an admin registers a secret client,
copies the secret shown once, rotates it and deletes the client, the token endpoint
agreeing at every step; and registers a key client and disables it.
"""

from __future__ import annotations

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from playwright.sync_api import Page, expect

from tests.servers import Server

from .conftest import TIMEOUT_MS, notice, shot
from .test_admin import confirm, open_console

INVALID_CLIENT = {"error": "invalid_client", "error_description": "Client authentication failed"}


@pytest.fixture(autouse=True)
def _patient_expect() -> None:
    expect.set_options(timeout=TIMEOUT_MS)  # a loaded machine: sign-ins hash argon2id


def token_for(server: Server, client_id: str, secret: str) -> httpx.Response:
    """POST /oauth/token with ``client_secret_basic``, as the client's service would."""
    with server.client() as client:
        return client.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(client_id, secret),
        )


def test_an_admin_registers_rotates_and_deletes_a_secret_client(page: Page, site: Server) -> None:
    open_console(page)
    page.click(".tab[data-view=clients]")
    expect(page.locator("#clients-view")).to_be_visible()

    page.fill("#new-client-name", "billing-sync")
    page.fill("#new-client-scopes", "invoices:read  invoices:write")
    page.click("#create-client-submit")
    notice(page, "Registered billing-sync. Copy its secret now: it will not be shown again.")
    panel = page.locator("#client-secret")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("it is not shown again")
    expect(panel.get_by_role("button", name="Copy the secret")).to_be_visible()
    client_id = page.locator("#client-secret-id").inner_text()
    secret = page.locator("#client-secret-value").inner_text()
    assert len(secret) == 43, secret
    row = page.locator(f"#client-rows tr[data-client-id='{client_id}']")
    expect(row).to_contain_text("billing-sync")
    expect(row).to_contain_text("invoices:read invoices:write")
    expect(row).to_contain_text("active")
    expect(row).not_to_contain_text(secret)
    shot(page, "admin-clients-1-secret-once")

    issued = token_for(site, client_id, secret)
    assert issued.status_code == 200, issued.text
    assert issued.json()["scope"] == "invoices:read invoices:write"

    page.click("#client-secret-done")  # gone from the page, not to be seen again
    expect(panel).to_be_hidden()
    expect(page.locator("#client-secret-value")).to_have_text("")
    page.reload()
    page.click(".tab[data-view=clients]")
    expect(row).to_be_visible()
    assert secret not in page.content()

    row.get_by_role("button", name="Rotate the secret of billing-sync").click()
    confirm(page)
    notice(page, "billing-sync has a new secret; the old one no longer works. "
           "Copy it now: it will not be shown again.")  # fmt: skip
    expect(panel).to_be_visible()
    expect(page.locator("#client-secret-id")).to_have_text(client_id)
    new_secret = page.locator("#client-secret-value").inner_text()
    assert len(new_secret) == 43 and new_secret != secret
    shot(page, "admin-clients-2-rotated")

    old = token_for(site, client_id, secret)
    assert (old.status_code, old.json()) == (401, INVALID_CLIENT)
    assert token_for(site, client_id, new_secret).status_code == 200

    row.get_by_role("button", name="Delete billing-sync").click()
    confirm(page, typed="billing")  # a slip: the server refuses, in words
    notice(page, "To delete a client, confirm with its name (confirm=billing-sync)")
    expect(row).to_be_visible()
    row.get_by_role("button", name="Delete billing-sync").click()
    confirm(page, typed="billing-sync")
    notice(page, "billing-sync is deleted.")
    expect(row).to_have_count(0)
    expect(panel).to_be_hidden()
    shot(page, "admin-clients-3-deleted")

    gone = token_for(site, client_id, new_secret)
    assert (gone.status_code, gone.json()) == (401, INVALID_CLIENT)
    tail = site.cli("audit", "tail", "--limit", "20").stdout
    for event in ("client_created", "client_secret_rotated", "client_deleted"):
        assert any(event in line and '"admin":"admin"' in line for line in tail.splitlines()), event


def test_an_admin_registers_a_key_client_and_disables_it(page: Page, site: Server) -> None:
    pem = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
    open_console(page)
    page.click(".tab[data-view=clients]")
    expect(page.locator("#new-client-pem-field")).to_be_hidden()
    page.fill("#new-client-name", "reports")
    page.select_option("#new-client-auth", "pem")
    page.fill("#new-client-pem", "not a key")
    page.click("#create-client-submit")
    notice(page, "the public key does not parse as PEM")  # the server's words
    page.fill("#new-client-pem", pem)
    page.click("#create-client-submit")
    notice(page, "Registered reports; it signs its token requests with its key.")
    expect(page.locator("#client-secret")).to_be_hidden()
    row = page.locator("#client-rows tr[data-name='reports']")
    expect(row).to_contain_text("private_key_jwt")
    expect(row.get_by_role("button", name="Rotate the secret of reports")).to_have_count(0)

    row.get_by_role("button", name="Disable reports").click()
    confirm(page)
    notice(page, "reports is disabled.")
    expect(row.locator("td.state-disabled")).to_have_text("disabled")
    row.get_by_role("button", name="Enable reports").click()  # enabling asks nothing
    notice(page, "reports is enabled.")
    expect(row).to_contain_text("active")
    listed = {line.split("\t")[0]: line for line in site.cli("clients", "list").stdout.splitlines()}
    assert listed["reports"].endswith("private_key_jwt\t-\tactive"), listed
