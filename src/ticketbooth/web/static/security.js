// The Security view (sessions, two-step verification) and the second step of sign-in.
//
// Builds on app.js (window.ticketbooth): the same cookie session, CSRF header and silent
// refresh.  Everything here is built with DOM calls; text is set with textContent, and
// the QR code, an SVG from this server, is parsed as SVG and never as HTML.
"use strict";

(() => {
  const tb = () => window.ticketbooth;
  const $ = (id) => document.getElementById(id);
  const SIGN_IN_OVER = "The sign-in expired or was already used; sign in again";

  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    Object.assign(node, props);
    node.append(...children);
    return node;
  }

  function when(iso) {
    return new Date(iso).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
  }

  // -- the second step of sign-in ------------------------------------------------------

  function secondStep(answer) {
    let useRecovery = false;
    const input = el("input", {
      id: "mfa-code", name: "code", autocomplete: "one-time-code", inputMode: "numeric",
      maxLength: 6, required: true,
    });
    const label = el("label", { htmlFor: "mfa-code", textContent: "Code from your authenticator app" });
    const toggle = el("button", {
      id: "mfa-use-recovery", type: "button", className: "link",
      textContent: "Use a recovery code instead",
    });
    toggle.addEventListener("click", () => {
      useRecovery = !useRecovery;
      label.textContent = useRecovery ? "Recovery code" : "Code from your authenticator app";
      toggle.textContent = useRecovery ? "Use the authenticator app" : "Use a recovery code instead";
      input.maxLength = useRecovery ? 64 : 6;
      input.inputMode = useRecovery ? "text" : "numeric";
      input.value = "";
      input.focus();
    });
    const form = el(
      "form", { id: "mfa-form" }, label, input,
      el("button", { id: "mfa-submit", type: "submit", textContent: "Verify" }), toggle,
    );
    const view = el(
      "section", { id: "mfa-view", className: "card narrow" },
      el("h1", { textContent: "Two-step verification" }),
      el("p", { textContent: "Enter the 6-digit code your authenticator app shows." }),
      form,
    );
    $("login-view").hidden = true;
    $("mfa-view")?.remove();
    $("main").append(view);
    input.focus();
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      tb().guarded(async () => {
        const body = { mfaToken: answer.mfaToken, useCookies: true };
        body[useRecovery ? "recoveryCode" : "code"] = input.value.trim();
        const response = await tb().send("POST", "/api/auth/login/mfa", body);
        if (response.ok) {
          view.remove();
          tb().notify("");
          await tb().showApp(await response.json());
          return;
        }
        const message = await tb().messageOf(response);
        if (message === SIGN_IN_OVER) {
          view.remove();
          tb().showLogin(message, "warning");
        } else {
          input.value = "";
          tb().notify(message, "error");
        }
      });
    });
  }

  // -- the Security view ---------------------------------------------------------------

  function securityView() {
    let view = $("security-view");
    if (view) return view;
    view = el(
      "section", { id: "security-view", className: "card" },
      el("div", { className: "card-head" },
        el("h1", { textContent: "Security" }),
        el("button", { id: "revoke-others", type: "button", className: "secondary",
          textContent: "Sign out everywhere else" })),
      el("h2", { textContent: "Where you are signed in" }),
      el("table", { id: "sessions" },
        el("thead", {}, el("tr", {},
          el("th", { scope: "col", textContent: "Device" }),
          el("th", { scope: "col", textContent: "Address" }),
          el("th", { scope: "col", textContent: "Signed in" }),
          el("th", { scope: "col", textContent: "Last active" }),
          el("th", { scope: "col", className: "actions" }))),
        el("tbody", { id: "session-rows" })),
      el("h2", { textContent: "Two-step verification" }),
      el("div", { id: "totp-panel" }),
    );
    $("app-view").append(view);
    $("revoke-others").addEventListener("click", () => tb().guarded(revokeOthers));
    return view;
  }

  async function loadSessions() {
    const response = await tb().api("GET", "/api/auth/sessions");
    if (!response.ok) return tb().notify(await tb().messageOf(response), "error");
    const rows = (await response.json()).map((session) => {
      const end = el("button", {
        type: "button", className: session.current ? "secondary" : "danger",
        textContent: session.current ? "Sign out this device" : "Sign out",
      });
      end.addEventListener("click", () => tb().guarded(() => endSession(session)));
      const device = el("td", { textContent: session.device });
      if (session.current) device.append(" ", el("span", { className: "badge", textContent: "This device" }));
      return el("tr", { className: session.current ? "current" : "" },
        device,
        el("td", { textContent: session.ipAddress || "—" }),
        el("td", { textContent: when(session.createdAt) }),
        el("td", { textContent: when(session.lastUsedAt) }),
        el("td", { className: "actions" }, end));
    });
    $("session-rows").replaceChildren(...rows);
  }

  async function endSession(session) {
    const response = await tb().api("DELETE", `/api/auth/sessions/${encodeURIComponent(session.id)}`);
    if (session.current && (response.status === 204 || response.status === 404)) {
      tb().showLogin("You have signed out on this device.", "info");
      return;
    }
    if (response.status === 204) tb().notify(`Signed out ${session.device}.`, "success");
    else tb().notify(await tb().messageOf(response), "error");
    await loadSessions();
  }

  async function revokeOthers() {
    const response = await tb().api("POST", "/api/auth/sessions/revoke-others");
    if (response.status === 204) tb().notify("Signed out everywhere else.", "success");
    else tb().notify(await tb().messageOf(response), "error");
    await loadSessions();
  }

  // -- TOTP ----------------------------------------------------------------------------

  async function totpState() {
    const me = await tb().api("GET", "/api/auth/me"); // issue 12's profile, when present
    if (!me.ok) return null;
    const body = await me.json();
    return body.mfa ? Boolean(body.mfa.totp) : null;
  }

  async function renderTotp() {
    const panel = $("totp-panel");
    const isOn = await totpState();
    if (isOn) return showEnabled();
    const start = el("button", { id: "totp-start", type: "button", textContent: "Set up an authenticator app" });
    start.addEventListener("click", () => tb().guarded(beginSetup));
    panel.replaceChildren(
      el("p", { textContent: "Ask for a code from an authenticator app at every sign-in." }), start);
  }

  function showEnabled(codes) {
    const password = el("input", { id: "totp-password", type: "password", autocomplete: "current-password",
      maxLength: 1024, required: true });
    const disable = el("button", { id: "totp-disable", type: "button", className: "danger", textContent: "Turn off" });
    const regenerate = el("button", { id: "totp-regenerate", type: "button", className: "secondary",
      textContent: "New recovery codes" });
    disable.addEventListener("click", () => tb().guarded(() => withPassword("/api/auth/mfa/totp/disable", password)));
    regenerate.addEventListener("click", () => tb().guarded(() => withPassword("/api/auth/mfa/recovery-codes", password)));
    const parts = [el("p", { id: "totp-on", textContent: "Two-step verification is on." })];
    if (codes) parts.push(recoveryList(codes));
    parts.push(el("label", { htmlFor: "totp-password", textContent: "Password (to turn off or get new codes)" }),
      password, el("div", { className: "row" }, regenerate, disable));
    $("totp-panel").replaceChildren(...parts);
  }

  function recoveryList(codes) {
    return el("div", { id: "recovery-codes", className: "recovery" },
      el("p", { textContent: "Save these recovery codes now; each works once, and they are not shown again." }),
      el("ol", {}, ...codes.map((code) => el("li", {}, el("code", { textContent: code })))));
  }

  async function withPassword(path, input) {
    const response = await tb().api("POST", path, { password: input.value });
    input.value = "";
    if (response.status === 204) {
      tb().notify("Two-step verification is off.", "success");
      await renderTotp();
    } else if (response.ok) {
      showEnabled((await response.json()).recoveryCodes);
    } else {
      tb().notify(await tb().messageOf(response), "error");
    }
  }

  async function beginSetup() {
    const response = await tb().api("POST", "/api/auth/mfa/totp/setup");
    if (response.status === 409) return showEnabled();
    if (!response.ok) return tb().notify(await tb().messageOf(response), "error");
    const setup = await response.json();
    const svg = new DOMParser().parseFromString(setup.qrSvg, "image/svg+xml").documentElement;
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", "QR code for your authenticator app");
    const code = el("input", { id: "totp-code", autocomplete: "one-time-code", inputMode: "numeric",
      maxLength: 6, required: true });
    const confirm = el("button", { id: "totp-confirm", type: "submit", textContent: "Turn on" });
    const form = el("form", { id: "totp-form" },
      el("label", { htmlFor: "totp-code", textContent: "Code from the app" }), code, confirm);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      tb().guarded(async () => {
        const answer = await tb().api("POST", "/api/auth/mfa/totp/confirm", { code: code.value.trim() });
        if (answer.ok) {
          tb().notify("Two-step verification is on.", "success");
          showEnabled((await answer.json()).recoveryCodes);
        } else {
          code.value = "";
          tb().notify(await tb().messageOf(answer), "error");
        }
      });
    });
    $("totp-panel").replaceChildren(
      el("p", { textContent: "Scan this code with your authenticator app, or type the key." }),
      el("div", { className: "qr" }, document.importNode(svg, true)),
      el("p", {}, "Key: ", el("code", { id: "totp-secret", textContent: setup.secret })),
      form,
    );
    code.focus();
  }

  document.addEventListener("tb:signed-in", () => {
    securityView().hidden = false;
    tb().guarded(async () => { await loadSessions(); await renderTotp(); });
  });
  document.addEventListener("tb:signed-out", () => {
    $("security-view")?.remove();
    $("mfa-view")?.remove();
  });
  window.ticketbooth.secondStep = secondStep;
  Object.assign(window.ticketbooth, { el, when }); // for passkeys.js
})();
