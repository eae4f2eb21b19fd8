// How ticketbooth's pages talk to the server: loaded first by the sign-in page (index.html,
// before app.js) and by the admin console (admin.html, before admin.js), which build on it
// through window.ticketboothRequest.
//
// Cookie mode only.  The access and refresh tokens live in httpOnly cookies that no script
// can read; nothing is ever stored.  What is read is the `csrf` cookie, echoed in the
// X-CSRF-Token header of every request that changes something (double submit).  When the
// access cookie has expired, a request answers 401: api() refreshes the session once (one
// refresh at a time per tab) and repeats the request.  What a page does when that fails
// (SessionExpired) is the page's own business.
"use strict";

(() => {
  const CSRF_COOKIE = "csrf";
  let refreshing = null;

  // The session is gone: the refresh was refused (or never reached the server), or the
  // repeated request answered 401 again.
  class SessionExpired extends Error {}

  function csrfToken() {
    for (const part of document.cookie.split(";")) {
      const [name, ...value] = part.trim().split("=");
      if (name === CSRF_COOKIE) return decodeURIComponent(value.join("="));
    }
    return "";
  }

  // One request as it is: JSON in and out, the CSRF header on anything but GET, this
  // origin's cookies, never from the HTTP cache.
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

  // Concurrent 401s in this tab share one refresh.  Other tabs share the cookie jar and
  // may refresh at the same moment: the server's grace window keeps them all signed in.
  function refreshSession() {
    if (refreshing === null) {
      refreshing = send("POST", "/api/auth/refresh-token")
        .then((response) => response.ok, () => false)
        .finally(() => { refreshing = null; });
    }
    return refreshing;
  }

  // send(), refreshed once on 401 and repeated; SessionExpired when that does not help.
  // A network failure rejects as fetch does (a TypeError).
  async function api(method, path, body) {
    let response = await send(method, path, body);
    if (response.status === 401) {
      if (!(await refreshSession())) throw new SessionExpired();
      response = await send(method, path, body);
      if (response.status === 401) throw new SessionExpired();
    }
    return response;
  }

  // The one-line message of an error answer ({"message": ...}), or what status it was.
  async function messageOf(response) {
    try {
      const body = await response.json();
      if (body && typeof body.message === "string") return body.message;
    } catch (_ignored) { /* not JSON */ }
    return `The server answered ${response.status}.`;
  }

  window.ticketboothRequest = Object.freeze({ csrfToken, send, api, messageOf, SessionExpired });
})();
