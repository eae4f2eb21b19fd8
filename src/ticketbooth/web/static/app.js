// ticketbooth's sign-in page: cookie mode only.
//
// The requests go through request.js (loaded before this file, window.ticketboothRequest):
// the access and refresh tokens live in httpOnly cookies that no script can read, the
// `csrf` cookie is echoed in the X-CSRF-Token header of every change, and a 401 refreshes
// the session once (one refresh at a time per tab) and repeats the request.  This page
// never stores anything.  When the session has expired it shows the sign-in form again.
"use strict";

(() => {
  const { csrfToken, send, api, messageOf, SessionExpired } = window.ticketboothRequest;
  const EXPIRED = "Your session has expired. Please sign in again.";
  const OFFLINE = "Cannot reach the server. Check the connection and try again.";

  const $ = (id) => document.getElementById(id);
  const price = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
  let user = null;

  function notify(text, kind = "info") {
    const notice = $("notice");
    notice.textContent = text;
    notice.className = `notice ${kind}`;
    notice.hidden = !text;
  }

  function inWords(seconds) {
    if (seconds < 90) return `${seconds} second${seconds === 1 ? "" : "s"}`;
    const minutes = Math.ceil(seconds / 60);
    return `${minutes} minutes`;
  }

  async function guarded(action) {
    $("main").setAttribute("aria-busy", "true");
    try {
      await action();
    } catch (error) {
      if (error instanceof SessionExpired) showLogin(EXPIRED, "warning");
      else notify(OFFLINE, "error");
    } finally {
      $("main").setAttribute("aria-busy", "false");
    }
  }

  // -- views -------------------------------------------------------------------------

  function showLogin(text = "", kind = "info") {
    user = null;
    document.body.classList.remove("is-admin");
    document.body.classList.add("signed-out");
    $("account").hidden = true;
    $("app-view").hidden = true;
    $("product-rows").replaceChildren();
    $("login-view").hidden = false;
    $("password").value = "";
    notify(text, kind);
    ($("username").value ? $("password") : $("username")).focus();
    document.dispatchEvent(new CustomEvent("tb:signed-out"));
  }

  async function showApp(profile) {
    user = profile;
    const isAdmin = profile.role === "Admin";
    document.body.classList.remove("signed-out");
    document.body.classList.toggle("is-admin", isAdmin);
    $("user-name").textContent = profile.userName;
    $("user-role").textContent = profile.role;
    $("user-role").classList.toggle("admin", isAdmin);
    $("account").hidden = false;
    $("login-view").hidden = true;
    $("app-view").hidden = false;
    $("create-form").hidden = !isAdmin;
    await loadProducts();
    document.dispatchEvent(new CustomEvent("tb:signed-in", { detail: profile }));
  }

  function render(products) {
    const rows = products.map((product) => {
      const row = document.createElement("tr");
      row.dataset.id = String(product.id);
      const name = document.createElement("td");
      name.textContent = product.name;
      const cost = document.createElement("td");
      cost.className = "num";
      cost.textContent = price.format(product.price);
      row.append(name, cost);
      if (user && user.role === "Admin") {
        const cell = document.createElement("td");
        cell.className = "admin-only actions";
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "danger delete";
        remove.textContent = "Delete";
        remove.setAttribute("aria-label", `Delete ${product.name}`);
        remove.addEventListener("click", () => guarded(() => deleteProduct(product)));
        cell.append(remove);
        row.append(cell);
      }
      return row;
    });
    $("product-rows").replaceChildren(...rows);
    $("empty").hidden = products.length > 0;
  }

  // -- actions -----------------------------------------------------------------------

  async function loadProducts() {
    const response = await api("GET", "/api/products");
    if (!response.ok) {
      notify(await messageOf(response), "error");
      return;
    }
    render(await response.json());
  }

  async function signIn(event) {
    event.preventDefault();
    const button = $("sign-in");
    button.disabled = true;
    try {
      const response = await send("POST", "/api/auth/login", {
        username: $("username").value,
        password: $("password").value,
        useCookies: true,
      });
      $("password").value = "";
      if (response.ok) {
        notify("");
        const body = await response.json();
        if (body.mfaRequired) window.ticketbooth.secondStep(body); // security.js
        else await showApp(body);
      } else if (response.status === 401) {
        notify("Wrong username or password.", "error");
      } else if (response.status === 429) {
        const seconds = Number(response.headers.get("Retry-After")) || 60;
        notify(`Too many failed sign-in attempts. Try again in ${inWords(seconds)}.`, "error");
      } else {
        notify(await messageOf(response), "error");
      }
    } finally {
      button.disabled = false;
    }
  }

  async function createProduct(event) {
    event.preventDefault();
    const name = $("product-name").value.trim();
    const amount = Number($("product-price").value);
    const response = await api("POST", "/api/products", { name, price: amount });
    if (response.status === 201) {
      $("create-form").reset();
      notify(`Added ${name}.`, "success");
      await loadProducts();
    } else {
      notify(await messageOf(response), "error");
    }
  }

  async function deleteProduct(product) {
    const response = await api("DELETE", `/api/products/${product.id}`);
    if (response.status === 204 || response.status === 404) {
      notify(`Deleted ${product.name}.`, "success");
      await loadProducts();
    } else {
      notify(await messageOf(response), "error");
    }
  }

  async function signOut() {
    // Logging out twice ends the same sessions: a request the network lost (a keep-alive
    // connection the server closed as it was reused) is sent once more before giving up.
    const logout = () => api("POST", "/api/auth/logout");
    try {
      await logout().catch((error) => (error instanceof TypeError ? logout() : Promise.reject(error)));
    } catch (error) {
      if (!(error instanceof SessionExpired)) throw error;
    }
    showLogin("You have signed out.", "info");
  }

  async function start() {
    $("login-form").addEventListener("submit", (event) => guarded(() => signIn(event)));
    $("create-form").addEventListener("submit", (event) => guarded(() => createProduct(event)));
    $("reload").addEventListener("click", () => guarded(loadProducts));
    $("sign-out").addEventListener("click", () => guarded(signOut));
    if (!csrfToken()) {
      showLogin(); // never signed in here, or signed out: nothing to ask the server
      return;
    }
    const response = await api("GET", "/api/products/my-info");
    if (response.ok) await showApp(await response.json());
    else showLogin();
  }

  // What security.js (the Security view, the second step of sign-in) builds on.
  window.ticketbooth = { api, send, notify, guarded, messageOf, showApp, showLogin };
  document.addEventListener("DOMContentLoaded", () => guarded(start));
})();
