// The console's Audit log view: the filters and the paged table, the sign-ins chart (an
// inline SVG built with createElementNS) and verifying the whole audit chain.
//
// Builds on admin.js (window.ticketboothAdmin): the same requests and notices.  Text goes
// in with textContent only, in the chart too.
"use strict";

(() => {
  const { PAGE_SIZE, $, state, api, el, when, notify, guarded, showChain } = window.ticketboothAdmin;
  const SVG = "http://www.w3.org/2000/svg";
  // Every event the service records (ticketbooth.auth.audit.EVENTS; a test keeps them equal).
  const EVENTS = [
    "login", "mfa", "refresh", "refresh_reuse", "logout", "rate_limited",
    "user_created", "role_changed", "password_changed", "user_disabled", "user_enabled",
    "user_deleted", "access_revoked", "session_revoked", "sessions_revoked", "mfa_reset",
    "totp_setup", "totp_enabled", "totp_disabled", "recovery_codes", "recovery_code_used",
    "passkey_registered", "passkey_used", "passkey_deleted", "passkeys_deleted",
    "register", "email_verified", "verify_email", "verification_sent",
    "password_reset_requested", "password_reset", "invite_created",
    "key_generated", "key_rotated", "key_retired",
    "client_created", "client_enabled", "client_disabled", "client_deleted",
    "client_secret_rotated", "client_auth", "client_rate_limited", "client_token", "token_revoked",
  ];

  function svg(tag, attributes = {}, text = "") {
    const node = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
    if (text) node.textContent = text;
    return node;
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

  function wireAudit() {
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

  Object.assign(window.ticketboothAdmin, { loadChart, loadAudit, wireAudit });
})();
