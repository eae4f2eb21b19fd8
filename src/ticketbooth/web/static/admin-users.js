// The console's Users view: the table with search and paging, adding a user, and one
// user's detail (facts, sessions, role, disable/enable, password, two-step reset,
// removing passkeys, delete).
//
// Builds on admin.js (window.ticketboothAdmin): the same requests, notices and confirm
// dialog.  Text goes in with textContent only.
"use strict";

(() => {
  const { PAGE_SIZE, $, state, api, el, when, notify, guarded, ask, showOnly, show } = window.ticketboothAdmin;

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
        el("td", { textContent: factors(user.mfa) }),
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

  function factors(mfa) {
    const parts = [];
    if (mfa.totp) parts.push("TOTP");
    if (mfa.passkeys) parts.push(`${mfa.passkeys} passkey${mfa.passkeys === 1 ? "" : "s"}`);
    return parts.join(", ") || "—";
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
      ["Passkeys", String(user.mfa.passkeys)],
      ["Created", when(user.createdAt)],
      ["Last login", user.lastLoginAt ? when(user.lastLoginAt) : "never"],
    ];
    $("detail-facts").replaceChildren(
      ...facts.flatMap(([term, value]) => [el("dt", { textContent: term }), el("dd", { textContent: value })]),
    );
    $("detail-role").value = user.role;
    $("detail-toggle").textContent = user.state === "disabled" ? "Enable" : "Disable";
    $("detail-toggle").className = user.state === "disabled" ? "secondary" : "danger";
    $("detail-remove-passkeys").disabled = user.mfa.passkeys === 0;
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

  async function removePasskeys() {
    const user = state.user;
    const count = user.mfa.passkeys;
    const yes = await ask({
      title: `Remove the passkeys of ${user.userName}?`,
      text: `All ${count} of their passkeys stop working now (for a lost or stolen device); they sign in with the password and can register new ones.`,
      ok: "Remove passkeys",
    });
    if (yes) await change("DELETE", `/api/admin/users/${user.id}/passkeys`, undefined, `The passkeys of ${user.userName} are removed, and the sessions they signed in ended.`);
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

  function wireUsers() {
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
    $("detail-remove-passkeys").addEventListener("click", () => guarded(removePasskeys));
    $("detail-password").addEventListener("submit", (event) => guarded(() => setPassword(event)));
    $("detail-end-all").addEventListener("click", () => guarded(endAllSessions));
    $("detail-delete").addEventListener("click", () => guarded(deleteUser));
  }

  Object.assign(window.ticketboothAdmin, { loadUsers, wireUsers });
})();
