// Accounts on the sign-in page: sign-up, "forgot password", the reset form a mail's link
// opens (/reset-password?token=...), confirming an address (/verify-email?token=...),
// "change password", and a banner while the address is unconfirmed.
//
// It builds its own views and leaves app.js alone: it watches app.js's views appear
// (a MutationObserver) and adds to them.  Like app.js it never sees a token: the
// one-time secret of a link goes straight back to the server and out of the address bar.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const { send } = window.ticketboothRequest;

  function notify(text, kind = "info") {
    const notice = $("notice");
    notice.textContent = text;
    notice.className = `notice ${kind}`;
    notice.hidden = !text;
  }

  // The answer's status and its one-line message ("" when it has none: callers word
  // their own fallback).
  async function post(path, body) {
    const response = await send("POST", path, body);
    let message = "";
    try {
      const data = await response.json();
      if (data && typeof data.message === "string") message = data.message;
    } catch (_ignored) { /* 204: no body */ }
    return { status: response.status, ok: response.ok, message };
  }

  function element(tag, attributes = {}, children = []) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value);
    }
    node.append(...children);
    return node;
  }

  function field(id, label, attributes) {
    return [
      element("label", { for: id, text: label }),
      element("input", { id, name: id, required: "", ...attributes }),
    ];
  }

  function card(id, title, form, extra = []) {
    return element("section", { id, class: "card narrow", hidden: "" }, [
      element("h1", { text: title }),
      form,
      ...extra,
    ]);
  }

  function link(id, text) {
    return element("a", id ? { id, href: "#", text } : { href: "#", text });
  }

  const VIEWS = ["login-view", "signup-view", "forgot-view", "reset-view"];

  function show(view) {
    for (const id of VIEWS) $(id).hidden = id !== view;
    const first = $(view).querySelector("input");
    if (first) first.focus();
  }

  function build() {
    const signup = element("form", { id: "signup-form" }, [
      ...field("signup-username", "Username", { autocomplete: "username", maxlength: "150" }),
      ...field("signup-email", "Email address", { type: "email", autocomplete: "email", maxlength: "320" }),
      ...field("signup-password", "Password", { type: "password", autocomplete: "new-password", minlength: "8", maxlength: "1024" }),
      element("button", { id: "sign-up", type: "submit", text: "Create account" }),
    ]);
    const forgot = element("form", { id: "forgot-form" }, [
      ...field("forgot-email", "Email address", { type: "email", autocomplete: "email", maxlength: "320" }),
      element("button", { id: "send-reset", type: "submit", text: "Send me a link" }),
    ]);
    const reset = element("form", { id: "reset-form" }, [
      ...field("reset-password", "New password", { type: "password", autocomplete: "new-password", minlength: "8", maxlength: "1024" }),
      element("button", { id: "set-password", type: "submit", text: "Set new password" }),
    ]);
    const back = () => element("p", { class: "fineprint" }, [link("", "Back to sign in")]);
    const login = $("login-view");
    login.after(
      card("signup-view", "Create an account", signup, [back()]),
      card("forgot-view", "Forgot your password?", forgot, [back()]),
      card("reset-view", "Choose a new password", reset),
    );
    login.append(element("p", { class: "fineprint" }, [
      link("show-signup", "Create an account"), " · ", link("show-forgot", "Forgot your password?"),
    ]));
    for (const anchor of document.querySelectorAll("#signup-view a, #forgot-view a")) {
      anchor.addEventListener("click", (event) => { event.preventDefault(); show("login-view"); });
    }
    $("show-signup").addEventListener("click", (event) => { event.preventDefault(); notify(""); show("signup-view"); });
    $("show-forgot").addEventListener("click", (event) => { event.preventDefault(); notify(""); show("forgot-view"); });
    signup.addEventListener("submit", (event) => submit(event, signUp));
    forgot.addEventListener("submit", (event) => submit(event, sendReset));
    reset.addEventListener("submit", (event) => submit(event, setPassword));

    const banner = element("div", { id: "verify-banner", class: "notice warning", role: "status", hidden: "" }, [
      element("span", { id: "verify-text" }), " ",
      element("button", { id: "resend", type: "button", class: "secondary", text: "Send the mail again" }),
    ]);
    $("app-view").prepend(banner);
    $("resend").addEventListener("click", () => submit(null, resend));
    const change = element("form", { id: "change-form", class: "card" }, [
      element("h2", { text: "Change password" }),
      ...field("current-password", "Current password", { type: "password", autocomplete: "current-password", maxlength: "1024" }),
      ...field("new-password", "New password", { type: "password", autocomplete: "new-password", minlength: "8", maxlength: "1024" }),
      element("button", { id: "change-password", type: "submit", text: "Change password" }),
    ]);
    $("app-view").append(change);
    change.addEventListener("submit", (event) => submit(event, changePassword));
  }

  async function submit(event, action) {
    if (event) event.preventDefault();
    try {
      await action();
    } catch (_error) {
      notify("Cannot reach the server. Check the connection and try again.", "error");
    }
  }

  async function signUp() {
    const result = await post("/api/auth/register", {
      username: $("signup-username").value,
      email: $("signup-email").value,
      password: $("signup-password").value,
    });
    $("signup-password").value = "";
    if (result.status === 202) {
      show("login-view");
      $("username").value = $("signup-username").value;
      notify(result.message, "success");
    } else {
      notify(result.message || `The server answered ${result.status}.`, "error");
    }
  }

  async function sendReset() {
    const result = await post("/api/auth/forgot-password", { email: $("forgot-email").value });
    if (result.status === 202) {
      show("login-view");
      notify("If the address belongs to an account, a mail with a link is on its way.", "success");
    } else {
      notify(result.message || `The server answered ${result.status}.`, "error");
    }
  }

  let resetToken = "";

  async function setPassword() {
    const result = await post("/api/auth/reset-password", {
      token: resetToken,
      newPassword: $("reset-password").value,
    });
    $("reset-password").value = "";
    if (result.status === 204) {
      resetToken = "";
      show("login-view");
      notify("Your password is changed and every session signed out. Sign in with the new one.", "success");
    } else if (result.status === 422) {
      notify(result.message, "error"); // a weak password: the link still works
    } else {
      resetToken = "";
      show("forgot-view");
      notify(`${result.message || "The link does not work"}. Ask for a new one.`, "error");
    }
  }

  async function verify(token) {
    const result = await post("/api/auth/verify-email", { token });
    if (result.status === 204) notify("Your email address is confirmed. Thank you!", "success");
    else notify(`${result.message || "The link does not work"}. Ask for a new mail.`, "error");
    if (!$("app-view").hidden) await profile();
  }

  let email = "";

  async function resend() {
    const result = await post("/api/auth/resend-verification", { email });
    if (result.status === 202) notify(`A new confirmation mail is on its way to ${email}.`, "success");
    else notify(result.message || `The server answered ${result.status}.`, "error");
  }

  async function changePassword() {
    const result = await post("/api/auth/change-password", {
      currentPassword: $("current-password").value,
      newPassword: $("new-password").value,
    });
    $("current-password").value = "";
    $("new-password").value = "";
    if (result.status === 204) notify("Your password is changed; your other sessions are signed out.", "success");
    else notify(result.message || `The server answered ${result.status}.`, "error");
  }

  async function profile() {
    const response = await send("GET", "/api/auth/me");
    if (!response.ok) return;
    const me = await response.json();
    email = me.email || "";
    $("verify-text").textContent = `Please confirm your email address ${email}: follow the link in the mail we sent.`;
    $("verify-banner").hidden = !email || me.emailVerified;
  }

  // The mail links land on /verify-email or /reset-password with ?token=.  Take the
  // token out of the address bar at once (no history entry, no referrer keeps it).
  function landing() {
    const token = new URLSearchParams(window.location.search).get("token") || "";
    const path = window.location.pathname;
    if (path !== "/verify-email" && path !== "/reset-password") return null;
    window.history.replaceState(null, "", "/");
    return { path, token };
  }

  function whenSettled(callback) {
    const main = $("main");
    if (main.getAttribute("aria-busy") === "false") { callback(); return; }
    const watcher = new MutationObserver(() => {
      if (main.getAttribute("aria-busy") === "false") { watcher.disconnect(); callback(); }
    });
    watcher.observe(main, { attributes: true, attributeFilter: ["aria-busy"] });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const arrived = landing();
    build();
    new MutationObserver(() => {
      if (!$("app-view").hidden) submit(null, profile);
      else $("verify-banner").hidden = true;
    }).observe($("app-view"), { attributes: true, attributeFilter: ["hidden"] });
    whenSettled(() => {
      if (arrived === null) return;
      if (arrived.path === "/verify-email") submit(null, () => verify(arrived.token));
      else if ($("app-view").hidden) { resetToken = arrived.token; notify(""); show("reset-view"); }
      else { resetToken = arrived.token; $("app-view").hidden = true; $("account").hidden = true; show("reset-view"); }
    });
  });
})();
