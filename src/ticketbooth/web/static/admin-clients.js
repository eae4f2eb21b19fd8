// The console's Clients view: OAuth 2.0 clients (services that get tokens of their own),
// listed, registered, disabled or enabled, given a new secret, and deleted.
//
// Builds on admin.js (window.ticketboothAdmin): the same requests, notices and confirm
// dialog.  Text goes in with textContent only.  A client secret is in exactly two
// answers (registering a secret client, rotating its secret); it is shown once in the
// secret panel, kept in no variable and no storage, and cleared when the panel closes.
"use strict";

(() => {
  const { $, api, el, when, notify, guarded, ask } = window.ticketboothAdmin;

  const AUTH = { client_secret: "secret", private_key_jwt: "private_key_jwt" };

  function path(client, tail = "") {
    return `/api/admin/clients/${encodeURIComponent(client.clientId)}${tail}`;
  }

  function button(text, label, className, action) {
    const node = el("button", { type: "button", className, textContent: text });
    node.setAttribute("aria-label", label);
    node.addEventListener("click", () => guarded(action));
    return node;
  }

  function clientRow(client) {
    const disabled = client.state === "disabled";
    const actions = [
      disabled
        ? button("Enable", `Enable ${client.name}`, "secondary", () => setDisabled(client, false))
        : button("Disable", `Disable ${client.name}`, "danger", () => setDisabled(client, true)),
    ];
    if (client.authMethod === "client_secret") {
      actions.push(button("Rotate secret", `Rotate the secret of ${client.name}`, "secondary", () => rotateSecret(client)));
    }
    actions.push(button("Delete", `Delete ${client.name}`, "danger", () => deleteClient(client)));
    const auth = client.jwksUri ? `${AUTH[client.authMethod]} (${client.jwksUri})` : AUTH[client.authMethod];
    return el(
      "tr", { dataset: { clientId: client.clientId, name: client.name } },
      el("td", { textContent: client.name }),
      el("td", { className: "client-id", textContent: client.clientId }),
      el("td", { textContent: auth }),
      el("td", { textContent: client.scopes.join(" ") || "—" }),
      el("td", { textContent: client.state, className: disabled ? "state-disabled" : "" }),
      el("td", { textContent: when(client.createdAt) }),
      el("td", { className: "actions" }, ...actions),
    );
  }

  async function loadClients() {
    const { body, error } = await api("GET", "/api/admin/clients");
    if (error) {
      notify(error, "error");
      return;
    }
    $("client-rows").replaceChildren(...body.map(clientRow));
    $("clients-empty").hidden = body.length > 0;
    $("clients-count").textContent = `${body.length} client${body.length === 1 ? "" : "s"}`;
  }

  // -- the secret, shown once ---------------------------------------------------------

  function showSecret(title, answer) {
    $("client-secret-title").textContent = title;
    $("client-secret-id").textContent = answer.clientId;
    $("client-secret-value").textContent = answer.clientSecret;
    $("client-secret").hidden = false;
    $("client-secret").scrollIntoView({ block: "nearest" });
    $("client-secret-copy").focus();
  }

  function hideSecret() {
    $("client-secret-value").textContent = "";
    $("client-secret-id").textContent = "";
    $("client-secret").hidden = true;
  }

  async function copySecret() {
    const value = $("client-secret-value");
    try {
      await navigator.clipboard.writeText(value.textContent);
      notify("The secret is on the clipboard. Store it now: it is not shown again.", "success");
    } catch (_refused) {
      window.getSelection().selectAllChildren(value); // the clipboard refused: copy by hand
      notify("The secret is selected: copy it with Ctrl+C (⌘C). It is not shown again.", "info");
    }
  }

  // -- changes ------------------------------------------------------------------------

  function registration() {
    const body = {
      name: $("new-client-name").value.trim(),
      scopes: $("new-client-scopes").value.split(/\s+/).filter(Boolean),
    };
    const auth = $("new-client-auth").value;
    if (auth === "jwks") body.jwksUri = $("new-client-jwks").value.trim();
    if (auth === "pem") body.publicKey = $("new-client-pem").value;
    return body;
  }

  async function createClient(event) {
    event.preventDefault();
    hideSecret();
    const { body, error } = await api("POST", "/api/admin/clients", registration());
    if (error) {
      notify(error, "error");
      return;
    }
    $("create-client").reset();
    showAuthFields();
    await loadClients();
    if (body.clientSecret) {
      showSecret(`The secret of ${body.name}`, body);
      notify(`Registered ${body.name}. Copy its secret now: it will not be shown again.`, "success");
    } else {
      notify(`Registered ${body.name}; it signs its token requests with its key.`, "success");
    }
  }

  async function setDisabled(client, isDisabled) {
    if (isDisabled) {
      const yes = await ask({
        title: `Disable ${client.name}?`,
        text: "It gets no new tokens; tokens it already holds live until they expire.",
        ok: "Disable",
      });
      if (!yes) return;
    }
    const { error } = await api("POST", path(client, isDisabled ? "/disable" : "/enable"));
    if (error) {
      notify(error, "error");
      return;
    }
    await loadClients();
    notify(`${client.name} is ${isDisabled ? "disabled" : "enabled"}.`, "success");
  }

  async function rotateSecret(client) {
    const yes = await ask({
      title: `Rotate the secret of ${client.name}?`,
      text: "A new secret is made and shown once; the current secret is refused from this moment.",
      ok: "Rotate secret",
    });
    if (!yes) return;
    hideSecret();
    const { body, error } = await api("POST", path(client, "/rotate-secret"));
    if (error) {
      notify(error, "error");
      return;
    }
    showSecret(`The new secret of ${client.name}`, body);
    notify(`${client.name} has a new secret; the old one no longer works. Copy it now: it will not be shown again.`, "success");
  }

  async function deleteClient(client) {
    const typed = await ask({
      title: `Delete ${client.name}?`,
      text: "It can get no more tokens; tokens it already holds live until they expire. This cannot be undone.",
      ok: "Delete",
      expect: client.name,
    });
    if (typed === null) return;
    const { error } = await api("DELETE", `${path(client)}?${new URLSearchParams({ confirm: typed })}`);
    if (error) {
      notify(error, "error");
      return;
    }
    hideSecret();
    await loadClients();
    notify(`${client.name} is deleted.`, "success");
  }

  function showAuthFields() {
    const auth = $("new-client-auth").value;
    $("new-client-jwks-field").hidden = auth !== "jwks";
    $("new-client-jwks").required = auth === "jwks";
    $("new-client-pem-field").hidden = auth !== "pem";
    $("new-client-pem").required = auth === "pem";
  }

  function wireClients() {
    $("create-client").addEventListener("submit", (event) => guarded(() => createClient(event)));
    $("new-client-auth").addEventListener("change", showAuthFields);
    $("client-secret-copy").addEventListener("click", () => guarded(copySecret));
    $("client-secret-done").addEventListener("click", () => { hideSecret(); notify(""); });
    for (const tab of document.querySelectorAll(".tab")) tab.addEventListener("click", hideSecret);
    showAuthFields();
  }

  Object.assign(window.ticketboothAdmin, { loadClients, wireClients });
})();
