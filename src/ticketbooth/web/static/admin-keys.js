// The console's Signing keys view: the key timeline (next, active, retiring, retired)
// and rotating, generating and retiring keys.
//
// Builds on admin.js (window.ticketboothAdmin): the same requests, notices and confirm
// dialog.  Text goes in with textContent only.
"use strict";

(() => {
  const { $, api, el, when, shortKid, notify, guarded, ask, loadStatus } = window.ticketboothAdmin;

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

  function wireKeys() {
    $("rotate-key").addEventListener("click", () => guarded(rotateKey));
    $("generate-key").addEventListener("click", () => guarded(generateKey));
  }

  Object.assign(window.ticketboothAdmin, { loadKeys, wireKeys });
})();
