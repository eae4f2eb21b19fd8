// ticketbooth's admin console: cookie mode, like the sign-in page it is reached from.
//
// This file is the shell: notices, the confirm dialog, the views and the status strip.
// admin-users.js, admin-keys.js, admin-clients.js and admin-audit.js (loaded after it)
// build on it through window.ticketboothAdmin, as the sign-in page's scripts share
// window.ticketbooth.
//
// The requests go through request.js (loaded before this file, window.ticketboothRequest),
// as the sign-in page's do: the tokens stay in httpOnly cookies, the `csrf` cookie is
// echoed in the X-CSRF-Token header of every change, and a 401 refreshes the session once
// and repeats the request.  Every element is built with DOM calls and every text set with
// textContent (the chart too: SVG elements made with createElementNS), so nothing a
// user typed, or the server sent, is ever parsed as markup.
"use strict";

(() => {
  const request = window.ticketboothRequest;
  const PAGE_SIZE = 20;
  const OFFLINE = "Cannot reach the server. Check the connection and try again.";
  const NEEDS_ADMIN = /^This requires the role/;

  const $ = (id) => document.getElementById(id);
  const state = { view: "users", usersPage: 1, query: "", auditPage: 1, filters: {}, user: null };

  class Refused extends Error {}

  // -- talking to the server ------------------------------------------------------------

  // The answer of a request (request.js's, refreshed once on 401), read: { response, body }
  // on success, { response, error } with the server's message otherwise.  A refusal for
  // want of the Admin role becomes Refused (the page shows why).
  async function api(method, path, body) {
    const response = await request.api(method, path, body);
    if (response.ok) {
      return { response, body: response.status === 204 ? null : await response.json() };
    }
    const error = await request.messageOf(response);
    if (response.status === 403 && NEEDS_ADMIN.test(error)) throw new Refused(error);
    return { response, error };
  }

  // -- small helpers --------------------------------------------------------------------

  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (key === "dataset") Object.assign(node.dataset, value);
      else node[key] = value;
    }
    node.append(...children);
    return node;
  }

  function when(iso) {
    if (!iso) return "—";
    return new Date(iso).toLocaleString("en-GB", {
      dateStyle: "medium", timeStyle: "short", timeZone: "UTC",
    });
  }

  function ageInWords(seconds) {
    if (seconds === null || seconds === undefined) return "";
    if (seconds < 120) return `${seconds} s old`;
    if (seconds < 7200) return `${Math.round(seconds / 60)} min old`;
    if (seconds < 172800) return `${Math.round(seconds / 3600)} h old`;
    return `${Math.round(seconds / 86400)} days old`;
  }

  function shortKid(kid) {
    return kid.length > 14 ? `${kid.slice(0, 12)}…` : kid;
  }

  function notify(text, kind = "info") {
    const notice = $("notice");
    notice.textContent = text;
    notice.className = `notice ${kind}`;
    notice.hidden = !text;
  }

  async function guarded(action) {
    $("main").setAttribute("aria-busy", "true");
    try {
      await action();
    } catch (error) {
      if (error instanceof request.SessionExpired) showOnly("signed-out-view");
      else if (error instanceof Refused) showOnly("refused-view");
      else notify(OFFLINE, "error");
    } finally {
      $("main").setAttribute("aria-busy", "false");
    }
  }

  // A modal question; resolves to true (or the text typed, when `expect` asks for it),
  // or to null when cancelled.
  function ask({ title, text, ok, expect = null }) {
    const dialog = $("confirm");
    const input = $("confirm-input");
    $("confirm-title").textContent = title;
    $("confirm-text").textContent = text;
    $("confirm-ok").textContent = ok;
    $("confirm-typed").hidden = expect === null;
    $("confirm-label").textContent = expect === null ? "" : `Type ${expect} to confirm`;
    input.value = "";
    input.required = expect !== null;
    return new Promise((resolve) => {
      const finish = (value) => {
        $("confirm-form").onsubmit = null;
        $("confirm-cancel").onclick = null;
        dialog.oncancel = null;
        if (dialog.open) dialog.close();
        resolve(value);
      };
      $("confirm-form").onsubmit = (event) => {
        event.preventDefault();
        finish(expect === null ? true : input.value);
      };
      $("confirm-cancel").onclick = () => finish(null);
      dialog.oncancel = () => finish(null);
      dialog.showModal();
      (expect === null ? $("confirm-ok") : input).focus();
    });
  }

  // -- views ----------------------------------------------------------------------------

  const VIEWS = [
    "signed-out-view", "refused-view", "users-view", "user-detail", "keys-view", "clients-view",
    "audit-view",
  ];

  function showOnly(id) {
    for (const view of VIEWS) $(view).hidden = view !== id;
    const inConsole = !["signed-out-view", "refused-view"].includes(id);
    $("tabs").hidden = !inConsole;
    $("status").hidden = !inConsole;
    $("who").hidden = !inConsole;
    if (!inConsole) notify("");
  }

  async function show(view) {
    state.view = view;
    for (const tab of document.querySelectorAll(".tab")) {
      if (tab.dataset.view === view) tab.setAttribute("aria-current", "page");
      else tab.removeAttribute("aria-current");
    }
    notify("");
    if (view === "users") {
      showOnly("users-view");
      await admin.loadUsers();
    } else if (view === "keys") {
      showOnly("keys-view");
      await admin.loadKeys();
    } else if (view === "clients") {
      showOnly("clients-view");
      await admin.loadClients();
    } else {
      showOnly("audit-view");
      await Promise.all([admin.loadChart(), admin.loadAudit()]);
    }
  }

  // -- status strip ---------------------------------------------------------------------

  function setStatus(id, text, level) {
    const item = $(id);
    item.textContent = text;
    item.className = `status-item ${level}`;
  }

  async function loadStatus() {
    const { body, error } = await api("GET", "/api/admin/status");
    if (error) {
      notify(error, "error");
      return;
    }
    setStatus("status-database", `Database: ${body.database}`, body.database === "ok" ? "ok" : "bad");
    const redis = { ok: "ok", off: "not configured", unavailable: "unavailable" }[body.redis];
    setStatus("status-redis", `Redis: ${redis}`, { ok: "ok", off: "", unavailable: "bad" }[body.redis]);
    const key = body.key;
    const keyText = key.source === "environment"
      ? `Signing key: ${shortKid(key.kid)} from TICKETBOOTH_SECRET_KEY`
      : `Signing key: ${shortKid(key.kid)}, ${ageInWords(key.ageSeconds)}`;
    setStatus("status-key", keyText, "ok");
    showChain(body.chain);
  }

  function showChain(chain) {
    if (chain.intact) {
      setStatus("status-chain", `Audit chain: verified (${chain.checked} rows)`, "ok");
    } else {
      setStatus("status-chain", `Audit chain: BROKEN at row ${chain.brokenAt}: ${chain.reason}`, "bad");
    }
  }

  // -- start ----------------------------------------------------------------------------

  function wire() {
    for (const tab of document.querySelectorAll(".tab")) {
      tab.addEventListener("click", () => guarded(() => show(tab.dataset.view)));
    }
    admin.wireUsers();
    admin.wireKeys();
    admin.wireClients();
    admin.wireAudit();
  }

  async function start() {
    wire();
    const { body, error } = await api("GET", "/api/products/my-info");
    if (error) {
      notify(error, "error");
      return;
    }
    $("admin-name").textContent = body.userName;
    await loadStatus(); // refuses a non-admin (Refused)
    await show("users");
  }

  // For admin-users.js, admin-keys.js, admin-clients.js and admin-audit.js; each adds its own loaders and
  // its wire function, which start() calls once the page (and so every script) is loaded.
  const admin = {
    PAGE_SIZE, $, state, api, el, when, shortKid, notify, guarded, ask,
    showOnly, show, loadStatus, showChain,
  };
  window.ticketboothAdmin = admin;
  document.addEventListener("DOMContentLoaded", () => guarded(start));
})();
