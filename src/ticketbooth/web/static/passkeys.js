// Passkeys: "Sign in with a passkey" on the sign-in form, and the Passkeys part of the
// Security view (add, list with last use, delete).
//
// Uses the browser's own WebAuthn API: the server's JSON options go through
// PublicKeyCredential.parseCreationOptionsFromJSON / parseRequestOptionsFromJSON, and the
// credential goes back as credential.toJSON().  No client library, nothing from a CDN.
// Builds on app.js and security.js (window.ticketbooth): the same cookie session and CSRF
// header; text is set with textContent only.
"use strict";

(() => {
  const tb = () => window.ticketbooth;
  const $ = (id) => document.getElementById(id);

  function isSupported() {
    return typeof window.PublicKeyCredential === "function"
      && typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function"
      && typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function";
  }

  // What the browser's refusal means, in words (the server never sees these).
  function ceremonyMessage(error) {
    switch (error && error.name) {
      case "NotAllowedError":
        return "The passkey request was cancelled or timed out.";
      case "InvalidStateError":
        return "This device already holds a passkey for your account.";
      case "SecurityError":
        return "Passkeys work only when this page is opened at the address the service "
          + "is configured with (TICKETBOOTH_PUBLIC_URL), by a domain name.";
      default:
        return `The passkey request failed: ${error && error.message ? error.message : error}`;
    }
  }

  async function ceremony(run) {
    try {
      return await run();
    } catch (error) {
      tb().notify(ceremonyMessage(error), "error");
      return null;
    }
  }

  // -- sign-in -------------------------------------------------------------------------

  async function signIn() {
    if (!isSupported()) return tb().notify("This browser cannot use passkeys.", "error");
    const button = $("passkey-sign-in");
    button.disabled = true;
    try {
      const options = await tb().send("POST", "/api/auth/passkeys/login/options");
      if (!options.ok) return tb().notify(await tb().messageOf(options), "error");
      const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(await options.json());
      const credential = await ceremony(() => navigator.credentials.get({ publicKey }));
      if (!credential) return undefined;
      const response = await tb().send("POST", "/api/auth/passkeys/login", {
        credential: credential.toJSON(),
        useCookies: true,
      });
      if (!response.ok) return tb().notify(await tb().messageOf(response), "error");
      tb().notify("");
      return tb().showApp(await response.json());
    } finally {
      button.disabled = false;
    }
  }

  // -- the Security view's Passkeys part -----------------------------------------------

  function panel() {
    const el = tb().el;
    let part = $("passkey-panel");
    if (part) return part;
    const name = el("input", { id: "passkey-name", name: "name", maxLength: 100, required: true,
      placeholder: "e.g. Work laptop", autocomplete: "off" });
    const form = el("form", { id: "passkey-form", className: "row" },
      el("label", { htmlFor: "passkey-name", className: "sr-only", textContent: "Name of the new passkey" }),
      name,
      el("button", { id: "passkey-add", type: "submit", textContent: "Add a passkey" }));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      tb().guarded(() => addPasskey(name));
    });
    part = el("div", { id: "passkey-panel" },
      el("p", { textContent: "Sign in with your fingerprint, face or screen lock instead of a password." }),
      el("table", { id: "passkeys" },
        el("thead", {}, el("tr", {},
          el("th", { scope: "col", textContent: "Name" }),
          el("th", { scope: "col", textContent: "Added" }),
          el("th", { scope: "col", textContent: "Last used" }),
          el("th", { scope: "col", className: "actions" }))),
        el("tbody", { id: "passkey-rows" })),
      el("p", { id: "no-passkeys", className: "empty", textContent: "No passkeys yet.", hidden: true }),
      form);
    const host = $("security-view") || $("app-view");
    host.append(el("h2", { id: "passkeys-title", textContent: "Passkeys" }), part);
    return part;
  }

  async function loadPasskeys() {
    const el = tb().el;
    const response = await tb().api("GET", "/api/auth/passkeys");
    if (!response.ok) return tb().notify(await tb().messageOf(response), "error");
    const passkeys = await response.json();
    const rows = passkeys.map((passkey) => {
      const remove = el("button", { type: "button", className: "danger", textContent: "Delete" });
      remove.setAttribute("aria-label", `Delete passkey ${passkey.name}`);
      remove.addEventListener("click", () => tb().guarded(() => deletePasskey(passkey)));
      return el("tr", {},
        el("td", { textContent: passkey.name }),
        el("td", { textContent: tb().when(passkey.createdAt) }),
        el("td", { textContent: passkey.lastUsedAt ? tb().when(passkey.lastUsedAt) : "Never" }),
        el("td", { className: "actions" }, remove));
    });
    $("passkey-rows").replaceChildren(...rows);
    $("passkeys").hidden = passkeys.length === 0;
    $("no-passkeys").hidden = passkeys.length > 0;
    return undefined;
  }

  async function addPasskey(input) {
    if (!isSupported()) return tb().notify("This browser cannot use passkeys.", "error");
    const name = input.value.trim();
    if (!name) return tb().notify("Give the passkey a name.", "error");
    const options = await tb().api("POST", "/api/auth/passkeys/register/options");
    if (!options.ok) return tb().notify(await tb().messageOf(options), "error");
    const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(await options.json());
    const credential = await ceremony(() => navigator.credentials.create({ publicKey }));
    if (!credential) return undefined;
    const response = await tb().api("POST", "/api/auth/passkeys/register", {
      name,
      credential: credential.toJSON(),
    });
    if (response.status !== 201) return tb().notify(await tb().messageOf(response), "error");
    input.value = "";
    tb().notify(`Added the passkey ${(await response.json()).name}.`, "success");
    return loadPasskeys();
  }

  async function deletePasskey(passkey) {
    const response = await tb().api("DELETE", `/api/auth/passkeys/${encodeURIComponent(passkey.id)}`);
    if (response.status === 204 || response.status === 404) {
      tb().notify(`Deleted the passkey ${passkey.name}.`, "success");
    } else {
      tb().notify(await tb().messageOf(response), "error");
    }
    return loadPasskeys();
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("passkey-sign-in").addEventListener("click", () => tb().guarded(signIn));
  });
  document.addEventListener("tb:signed-in", () => {
    panel();
    tb().guarded(loadPasskeys);
  });
  document.addEventListener("tb:signed-out", () => {
    $("passkey-panel")?.remove();
    $("passkeys-title")?.remove();
  });
})();
