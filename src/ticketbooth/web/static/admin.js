// ticketbooth's admin console: cookie mode, like the sign-in page it is reached from.
//
// The tokens stay in httpOnly cookies; the script echoes the `csrf` cookie in the
// X-CSRF-Token header of every change, and on a 401 refreshes the session once and
// repeats the request.  Every element is built with DOM calls and every text set with
// textContent (the chart too: SVG elements made with createElementNS), so nothing a
// user typed, or the server sent, is ever parsed as markup.
"use strict";

(() => {
  const CSRF_COOKIE = "csrf";
  const SVG = "http://www.w3.org/2000/svg";
  const PAGE_SIZE = 20;
  const OFFLINE = "Cannot reach the server. Check the connection and try again.";
  const NEEDS_ADMIN = /^This requires the role/;
  const EVENTS = [
    "login", "mfa", "refresh", "refresh_reuse", "logout", "rate_limited",
    "user_created", "role_changed", "password_changed", "user_disabled", "user_enabled",
    "user_deleted", "access_revoked", "session_revoked", "sessions_revoked", "mfa_reset",
    "totp_setup", "totp_enabled", "totp_disabled", "recovery_codes",
    "passkey_registered", "passkey_used", "passkey_deleted",
    "key_generated", "key_rotated", "key_retired",
  ];

  const $ = (id) => document.getElementById(id);
  const state = { view: "users", usersPage: 1, query: "", auditPage: 1, filters: {}, user: null };
  let refreshing = null;

  class SessionExpired extends Error {}
  class Refused extends Error {}

  // -- talking to the server ------------------------------------------------------------

  function csrfToken() {
    for (const part of document.cookie.split(";")) {
      const [name, ...value] = part.trim().split("=");
      if (name === CSRF_COOKIE) return decodeURIComponent(value.join("="));
    }
    return "";
  }

  function send(method, path, body) {
    const headers = { Accept: "application/json" };
    if (method !== "GET") headers["X-CSRF-Token"] = csrfToken();
    const init = { method, headers, credentials: "same-origin", cache: "no-store" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(path, init);
  }

  function refreshSession() {
    if (refreshing === null) {
      refreshing = send("POST", "/api/auth/refresh-token")
        .then((response) => response.ok, () => false)
        .finally(() => { refreshing = null; });
    }
    return refreshing;
  }

  async function messageOf(response) {
    try {
      const body = await response.json();
      if (body && typeof body.message === "string") return body.message;
    } catch (_ignored) { /* not JSON */ }
    return `The server answered ${response.status}.`;
  }

  // The answer of a request, refreshed once on 401.  A refusal for want of the Admin role
  // becomes Refused (the page shows why); any other failure comes back as { error }.
  async function api(method, path, body) {
    let response = await send(method, path, body);
    if (response.status === 401) {
      if (!(await refreshSession())) throw new SessionExpired();
      response = await send(method, path, body);
      if (response.status === 401) throw new SessionExpired();
    }
    if (response.ok) {
      return { response, body: response.status === 204 ? null : await response.json() };
    }
    const error = await messageOf(response);
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

  function svg(tag, attributes = {}, text = "") {
    const node = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
    if (text) node.textContent = text;
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
      if (error instanceof SessionExpired) showOnly("signed-out-view");
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

  const VIEWS = ["signed-out-view", "refused-view", "users-view", "user-detail", "keys-view", "audit-view"];

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
      await loadUsers();
    } else if (view === "keys") {
      showOnly("keys-view");
      await loadKeys();
    } else {
      showOnly("audit-view");
      await Promise.all([loadChart(), loadAudit()]);
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

  // The strip checks the rows appended since its last check; this reads every row.
  async function verifyChain() {
    const { body, error } = await api("GET", "/api/admin/audit/verify");
    if (error) {
      notify(error, "error");
      return;
    }
    showChain(body);
    if (body.intact) notify(`The audit chain is intact: ${body.checked} rows verified.`, "success");
    else notify(`The audit chain is broken at row ${body.brokenAt}: ${body.reason}.`, "error");
  }

  // -- users ----------------------------------------------------------------------------

  async function loadUsers() {
    const params = new URLSearchParams({ page: state.usersPage, size: PAGE_SIZE });
    if (state.query) params.set("q", state.query);
    const { body, error } = await api("GET", `/api/admin/users?${params}`);
    if (error) {
      notify(error, "error");
      return;
    }
    const rows = body.items.map((user) => {
      const open = el("button", {
        type: "button", className: "user-link", textContent: user.userName,
      });
      open.addEventListener("click", () => guarded(() => openUser(user.id)));
      const stateCell = el("td", {
        textContent: user.state, className: user.state === "disabled" ? "state-disabled" : "",
      });
      return el(
        "tr", { dataset: { id: String(user.id), name: user.userName } },
        el("td", {}, open),
        el("td", { textContent: user.email || "—" }),
        el("td", { textContent: user.role }),
        stateCell,
        el("td", { textContent: user.mfa.totp ? "TOTP" : "—" }),
        el("td", { textContent: user.lastLoginAt ? when(user.lastLoginAt) : "never" }),
      );
    });
    $("user-rows").replaceChildren(...rows);
    $("users-empty").hidden = rows.length > 0;
    const pages = Math.max(1, Math.ceil(body.total / body.size));
    $("users-count").textContent = `${body.total} user${body.total === 1 ? "" : "s"}`;
    $("users-page").textContent = `Page ${body.page} of ${pages}`;
    $("users-prev").disabled = body.page <= 1;
    $("users-next").disabled = body.page >= pages;
  }

  async function createUser(event) {
    event.preventDefault();
    const email = $("new-email").value.trim();
    const { body, error } = await api("POST", "/api/admin/users", {
      username: $("new-username").value.trim(),
      password: $("new-password").value,
      role: $("new-role").value,
      email: email || null,
    });
    $("new-password").value = "";
    if (error) {
      notify(error, "error");
      return;
    }
    $("create-user").reset();
    notify(`Added ${body.userName}.`, "success");
    await loadUsers();
  }

  async function openUser(id) {
    const [user, sessions] = await Promise.all([
      api("GET", `/api/admin/users/${id}`),
      api("GET", `/api/admin/users/${id}/sessions`),
    ]);
    if (user.error || sessions.error) {
      notify(user.error || sessions.error, "error");
      return;
    }
    state.user = user.body;
    showOnly("user-detail");
    renderUser(user.body, sessions.body);
  }

  function renderUser(user, sessions) {
    $("detail-name").textContent = user.userName;
    const facts = [
      ["Id", String(user.id)],
      ["Email", user.email ? `${user.email} (${user.emailVerified ? "confirmed" : "not confirmed"})` : "—"],
      ["Role", user.role],
      ["State", user.state],
      ["Two-step verification", user.mfa.totp ? "TOTP on" : "off"],
      ["Created", when(user.createdAt)],
      ["Last login", user.lastLoginAt ? when(user.lastLoginAt) : "never"],
    ];
    $("detail-facts").replaceChildren(
      ...facts.flatMap(([term, value]) => [el("dt", { textContent: term }), el("dd", { textContent: value })]),
    );
    $("detail-role").value = user.role;
    $("detail-toggle").textContent = user.state === "disabled" ? "Enable" : "Disable";
    $("detail-toggle").className = user.state === "disabled" ? "secondary" : "danger";
    const rows = sessions.map((session) => {
      const end = el("button", { type: "button", className: "danger", textContent: "End" });
      end.setAttribute("aria-label", `End session ${session.device}`);
      end.addEventListener("click", () => guarded(() => endSession(session)));
      return el(
        "tr", { className: session.current ? "current" : "", dataset: { id: session.id } },
        el("td", { textContent: session.current ? `${session.device} (this console)` : session.device }),
        el("td", { textContent: session.ipAddress || "—" }),
        el("td", { textContent: when(session.createdAt) }),
        el("td", { textContent: when(session.lastUsedAt) }),
        el("td", { className: "actions" }, end),
      );
    });
    $("session-rows").replaceChildren(...rows);
    $("sessions-empty").hidden = rows.length > 0;
    $("detail-end-all").disabled = rows.length === 0;
  }

  // Runs a change on the open user; on success says so and reloads the user.  (The
  // status strip is left alone: verifying the audit chain reads every row.)
  async function change(method, path, body, done) {
    const user = state.user;
    const { error } = await api(method, path, body);
    if (error) {
      notify(error, "error");
      return false;
    }
    await openUser(user.id);
    notify(done, "success");
    return true;
  }

  async function setRole() {
    const user = state.user;
    const role = $("detail-role").value;
    if (role === user.role) {
      notify(`${user.userName} already has the role ${role}.`, "info");
      return;
    }
    const yes = await ask({
      title: `Make ${user.userName} ${role === "Admin" ? "an" : "a"} ${role}?`,
      text: "Tokens issued from now on carry the new role; tokens already issued keep the old one until they expire.",
      ok: "Change role",
    });
    if (yes) await change("POST", `/api/admin/users/${user.id}/role`, { role }, `${user.userName} now has the role ${role}.`);
  }

  async function toggleDisabled() {
    const user = state.user;
    if (user.state === "disabled") {
      await change("POST", `/api/admin/users/${user.id}/enable`, undefined, `${user.userName} is enabled.`);
      return;
    }
    const yes = await ask({
      title: `Disable ${user.userName}?`,
      text: "They cannot sign in or refresh, and every session they have ends now.",
      ok: "Disable",
    });
    if (yes) await change("POST", `/api/admin/users/${user.id}/disable`, undefined, `${user.userName} is disabled and signed out everywhere.`);
  }

  async function signOutEverywhere() {
    const user = state.user;
    const yes = await ask({
      title: `Sign ${user.userName} out everywhere?`,
      text: "Every refresh token and session ends now (and every access token, when access revocation is on).",
      ok: "Sign out everywhere",
    });
    if (yes) await change("POST", `/api/admin/users/${user.id}/sign-out`, undefined, `${user.userName} is signed out everywhere.`);
  }

  async function resetMfa() {
    const user = state.user;
    const yes = await ask({
      title: `Reset two-step verification of ${user.userName}?`,
      text: "Their authenticator app and recovery codes stop working; they sign in with the password alone until they set it up again.",
      ok: "Reset",
    });
    if (yes) await change("POST", `/api/admin/users/${user.id}/reset-mfa`, undefined, `Two-step verification of ${user.userName} is reset.`);
  }

  async function setPassword(event) {
    event.preventDefault();
    const user = state.user;
    const password = $("detail-new-password").value;
    const yes = await ask({
      title: `Set a new password for ${user.userName}?`,
      text: "Every session they have ends now.",
      ok: "Set password",
    });
    if (!yes) return;
    if (await change("POST", `/api/admin/users/${user.id}/password`, { password }, `The password of ${user.userName} is changed; they are signed out everywhere.`)) {
      $("detail-password").reset();
    }
  }

  async function endSession(session) {
    const user = state.user;
    const yes = await ask({
      title: `End this session of ${user.userName}?`,
      text: `${session.device}, started ${when(session.createdAt)}: its refresh token stops working now.`,
      ok: "End session",
    });
    if (yes) await change("DELETE", `/api/admin/users/${user.id}/sessions/${encodeURIComponent(session.id)}`, undefined, "The session has ended.");
  }

  async function endAllSessions() {
    const user = state.user;
    const yes = await ask({
      title: `End every session of ${user.userName}?`,
      text: "All their refresh tokens stop working now.",
      ok: "End all sessions",
    });
    if (yes) await change("DELETE", `/api/admin/users/${user.id}/sessions`, undefined, `Every session of ${user.userName} has ended.`);
  }

  async function deleteUser() {
    const user = state.user;
    const typed = await ask({
      title: `Delete ${user.userName}?`,
      text: "The user, their sessions and their refresh tokens are deleted. This cannot be undone.",
      ok: "Delete",
      expect: user.userName,
    });
    if (typed === null) return;
    const path = `/api/admin/users/${user.id}?${new URLSearchParams({ confirm: typed })}`;
    const { error } = await api("DELETE", path);
    if (error) {
      notify(error, "error");
      return;
    }
    state.user = null;
    await show("users");
    notify(`${user.userName} is deleted.`, "success");
  }

  // -- keys -----------------------------------------------------------------------------

  function keyCard(key) {
    const dates = [
      ["Created", key.createdAt],
      ["Activated", key.activatedAt],
      ["Retires after", key.retireAfter],
      ["Retired", key.retiredAt],
    ].filter(([, value]) => value);
    const card = el(
      "li", { className: "key-card", dataset: { kid: key.kid } },
      el("div", { className: "kid", title: key.kid, textContent: shortKid(key.kid) }),
      el("div", { className: "muted", textContent: key.alg }),
      el("dl", {}, ...dates.flatMap(([term, value]) => [el("dt", { textContent: term }), el("dd", { textContent: when(value) })])),
    );
    if (key.state !== "retired") {
      const retire = el("button", { type: "button", className: "danger", textContent: "Retire" });
      retire.setAttribute("aria-label", `Retire key ${key.kid}`);
      retire.addEventListener("click", () => guarded(() => retireKey(key)));
      card.append(retire);
    }
    return card;
  }

  async function loadKeys() {
    const { body, error } = await api("GET", "/api/admin/keys");
    if (error) {
      notify(error, "error");
      return;
    }
    const fromEnvironment = body.source === "environment";
    $("keys-source").textContent = fromEnvironment
      ? `Tokens are signed with TICKETBOOTH_SECRET_KEY (key ${body.signingKid}): change the secret to rotate it. Keys stored in the database are not used.`
      : `Key ${body.signingKid} signs now. Keys move from next to active to retiring (still verifying) to retired.`;
    $("rotate-key").disabled = fromEnvironment;
    $("generate-key").disabled = fromEnvironment;
    for (const lane of document.querySelectorAll("#key-timeline .lane")) {
      const keys = body.keys.filter((key) => key.state === lane.dataset.state).reverse();
      const list = lane.querySelector("ul");
      list.replaceChildren(...keys.map(keyCard));
      if (keys.length === 0) list.append(el("li", { className: "muted", textContent: "none" }));
    }
  }

  async function keyChange(method, path, body, done) {
    const { body: answer, error } = await api(method, path, body);
    if (error) {
      notify(error, "error");
      return;
    }
    await loadKeys();
    notify(done(answer), "success");
    await loadStatus();
  }

  async function rotateKey() {
    const yes = await ask({
      title: "Rotate the signing key?",
      text: "The published next key signs from now on and a new next key is published. The current key keeps verifying until its tokens expire.",
      ok: "Rotate",
    });
    if (yes) await keyChange("POST", "/api/admin/keys/rotate", undefined, (answer) => `Rotated: key ${shortKid(answer.active.kid)} signs now.`);
  }

  async function generateKey() {
    const alg = $("generate-alg").value;
    const yes = await ask({
      title: `Generate a new ${alg || "signing"} key?`,
      text: "It signs at once, without being published first: verifiers learn it on their first token from it.",
      ok: "Generate",
    });
    if (yes) await keyChange("POST", "/api/admin/keys/generate", alg ? { alg } : {}, (answer) => `Generated ${answer.alg} key ${shortKid(answer.kid)}; it signs now.`);
  }

  async function retireKey(key) {
    const yes = await ask({
      title: `Retire key ${shortKid(key.kid)}?`,
      text: "It stops verifying now: every token it signed is refused from this moment.",
      ok: "Retire",
    });
    if (yes) await keyChange("POST", `/api/admin/keys/${encodeURIComponent(key.kid)}/retire`, undefined, () => `Key ${shortKid(key.kid)} is retired.`);
  }

  // -- audit ----------------------------------------------------------------------------

  async function loadChart() {
    const { body, error } = await api("GET", "/api/admin/audit/logins");
    if (error) {
      notify(error, "error");
      return;
    }
    drawChart(body.hours);
  }

  function drawChart(hours) {
    const width = 860, height = 220, left = 40, bottom = 24, top = 10;
    const plotWidth = width - left, plotHeight = height - bottom - top;
    const step = plotWidth / hours.length;
    const totals = hours.map((h) => h.successes + h.failures + h.rateLimited);
    const most = Math.max(1, ...totals);
    const scale = plotHeight / most;
    const chart = svg("svg", {
      viewBox: `0 0 ${width} ${height}`, role: "img", id: "login-chart-svg",
      "aria-label": "Sign-ins per hour over the last 7 days",
    });
    chart.append(
      svg("line", { class: "axis", x1: left, y1: top + plotHeight, x2: width, y2: top + plotHeight }),
      svg("text", { class: "tick", x: left - 6, y: top + 10, "text-anchor": "end" }, String(most)),
      svg("text", { class: "tick", x: left - 6, y: top + plotHeight, "text-anchor": "end" }, "0"),
    );
    hours.forEach((hour, index) => {
      const x = left + index * step;
      const moment = new Date(hour.hour);
      if (moment.getUTCHours() === 0) {
        const label = moment.toLocaleDateString("en-GB", { weekday: "short", day: "numeric", timeZone: "UTC" });
        chart.append(
          svg("line", { class: "axis", x1: x, y1: top, x2: x, y2: top + plotHeight }),
          svg("text", { class: "tick", x: x + 3, y: height - 6 }, label),
        );
      }
      const total = totals[index];
      if (total === 0) return;
      const group = svg("g", { class: "hour", "data-hour": hour.hour });
      group.append(svg("title", {}, `${when(hour.hour)} UTC: ${hour.successes} succeeded, ${hour.failures} failed, ${hour.rateLimited} rate-limited`));
      let y = top + plotHeight;
      for (const [count, kind] of [[hour.successes, "success"], [hour.failures, "failure"], [hour.rateLimited, "limited"]]) {
        if (count === 0) continue;
        const h = count * scale;
        y -= h;
        group.append(svg("rect", { class: `bar-${kind}`, x: x + 0.5, y, width: Math.max(1, step - 1), height: h }));
      }
      chart.append(group);
    });
    const sum = (key) => hours.reduce((n, h) => n + h[key], 0);
    const count = (n, one) => `${n} ${one}${n === 1 ? "" : "s"}`;
    $("chart-caption").textContent = `${count(sum("successes"), "sign-in")}, ${count(sum("failures"), "failure")} and ${count(sum("rateLimited"), "rate-limited attempt")} in the last 7 days (UTC hours).`;
    $("login-chart-svg")?.remove();
    $("login-chart").prepend(chart);
  }

  function readFilters() {
    const utc = (value) => (value ? `${value}:00Z` : "");
    return {
      user: $("filter-user").value.trim(),
      event: $("filter-event").value,
      outcome: $("filter-outcome").value,
      since: utc($("filter-since").value),
      until: utc($("filter-until").value),
    };
  }

  async function loadAudit() {
    const params = new URLSearchParams({ page: state.auditPage, size: PAGE_SIZE });
    for (const [key, value] of Object.entries(state.filters)) if (value) params.set(key, value);
    const { body, error } = await api("GET", `/api/admin/audit?${params}`);
    if (error) {
      notify(error, "error");
      return;
    }
    const rows = body.items.map((item) => el(
      "tr", { dataset: { id: String(item.id), event: item.event } },
      el("td", { textContent: String(item.id) }),
      el("td", { textContent: when(item.at) }),
      el("td", { textContent: item.event }),
      el("td", { textContent: item.outcome, className: item.outcome === "failure" ? "outcome-failure" : "" }),
      el("td", { textContent: item.userName || (item.userId === null ? "—" : `#${item.userId}`) }),
      el("td", { textContent: item.address || "—" }),
      el("td", {
        className: "detail",
        textContent: Object.entries(item.detail).map(([k, v]) => `${k}=${v}`).join(" "),
      }),
    ));
    $("audit-rows").replaceChildren(...rows);
    const pages = Math.max(1, Math.ceil(body.total / body.size));
    $("audit-count").textContent = `${body.total} event${body.total === 1 ? "" : "s"} match, newest first.`;
    $("audit-page").textContent = `Page ${body.page} of ${pages}`;
    $("audit-prev").disabled = body.page <= 1;
    $("audit-next").disabled = body.page >= pages;
  }

  // -- start ----------------------------------------------------------------------------

  function wire() {
    for (const tab of document.querySelectorAll(".tab")) {
      tab.addEventListener("click", () => guarded(() => show(tab.dataset.view)));
    }
    $("user-search").addEventListener("submit", (event) => {
      event.preventDefault();
      state.query = $("user-query").value.trim();
      state.usersPage = 1;
      guarded(loadUsers);
    });
    $("users-prev").addEventListener("click", () => { state.usersPage -= 1; guarded(loadUsers); });
    $("users-next").addEventListener("click", () => { state.usersPage += 1; guarded(loadUsers); });
    $("create-user").addEventListener("submit", (event) => guarded(() => createUser(event)));
    $("detail-back").addEventListener("click", () => guarded(() => show("users")));
    $("detail-set-role").addEventListener("click", () => guarded(setRole));
    $("detail-toggle").addEventListener("click", () => guarded(toggleDisabled));
    $("detail-sign-out").addEventListener("click", () => guarded(signOutEverywhere));
    $("detail-reset-mfa").addEventListener("click", () => guarded(resetMfa));
    $("detail-password").addEventListener("submit", (event) => guarded(() => setPassword(event)));
    $("detail-end-all").addEventListener("click", () => guarded(endAllSessions));
    $("detail-delete").addEventListener("click", () => guarded(deleteUser));
    $("rotate-key").addEventListener("click", () => guarded(rotateKey));
    $("generate-key").addEventListener("click", () => guarded(generateKey));
    $("audit-filters").addEventListener("submit", (event) => {
      event.preventDefault();
      state.filters = readFilters();
      state.auditPage = 1;
      guarded(loadAudit);
    });
    $("audit-clear").addEventListener("click", () => {
      $("audit-filters").reset();
      state.filters = {};
      state.auditPage = 1;
      guarded(loadAudit);
    });
    $("verify-chain").addEventListener("click", () => guarded(verifyChain));
    $("audit-prev").addEventListener("click", () => { state.auditPage -= 1; guarded(loadAudit); });
    $("audit-next").addEventListener("click", () => { state.auditPage += 1; guarded(loadAudit); });
    $("filter-event").append(...EVENTS.map((name) => el("option", { value: name, textContent: name })));
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

  document.addEventListener("DOMContentLoaded", () => guarded(start));
})();
