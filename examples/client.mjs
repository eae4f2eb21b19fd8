#!/usr/bin/env node
// ticketbooth example client for Node 20: only the built-in fetch, no npm packages.
//
// What it does, printing one JSON object per line for every step:
//   login -> GET /api/products/{id} -> wait WAIT_SECONDS -> GET it again; if that
//   answers 401, refresh the pair once and retry -> logout (expects 204).
//
// Environment:
//   BASE_URL      service address              (default http://127.0.0.1:8000)
//   TB_USERNAME   user to log in as            (required)
//   TB_PASSWORD   that user's password         (required)
//   PRODUCT_ID    product to fetch             (default 1)
//   WAIT_SECONDS  pause between the two reads  (default 0; longer than the
//                 access-token lifetime shows the refresh)
//
// Where the tokens live, and why:
//   The access/refresh pair is held only in this process's memory, in private
//   fields of a Session object, and is gone when the process exits.  Nothing is
//   written to disk, to environment variables or to the output: the log lines
//   carry statuses, never tokens.  The tutorial this project answers puts both
//   tokens in localStorage.  Node has no localStorage, and in a browser it is the
//   wrong place anyway: any script running on the page (one XSS bug, one
//   compromised dependency) can read localStorage and carry off a refresh token
//   that stays usable for days.  Memory limits a leak to this one process for
//   its lifetime.
//   Browser apps should not hold the refresh token in JavaScript at all; they
//   should use ticketbooth's cookie mode (coming later), where the refresh token
//   travels in an HttpOnly, Secure, SameSite cookie that page scripts cannot read.
//
// Failure: one line on standard error and a non-zero exit status.  If the run
// fails after a successful login, the client still logs out first so that no
// refresh token is left behind.

const REQUEST_TIMEOUT_MS = 15_000;

class ClientError extends Error {}

function readConfig(env) {
  const baseUrl = (env.BASE_URL || "http://127.0.0.1:8000").replace(/\/+$/, "");
  const username = env.TB_USERNAME;
  const password = env.TB_PASSWORD;
  if (!username || !password) {
    throw new ClientError("set TB_USERNAME and TB_PASSWORD");
  }
  const productId = env.PRODUCT_ID || "1";
  if (!/^[1-9][0-9]*$/.test(productId)) {
    const given = JSON.stringify(productId);
    throw new ClientError(`PRODUCT_ID must be a positive integer, not ${given}`);
  }
  const waitSeconds = Number(env.WAIT_SECONDS || "0");
  if (!Number.isFinite(waitSeconds) || waitSeconds < 0) {
    const given = JSON.stringify(env.WAIT_SECONDS);
    throw new ClientError(`WAIT_SECONDS must be a number of seconds >= 0, not ${given}`);
  }
  return { baseUrl, username, password, productId, waitSeconds };
}

function log(record) {
  process.stdout.write(JSON.stringify(record) + "\n");
}

function sleep(seconds) {
  return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}

// The server's error description ({"message": ...}), when it sent one.
async function messageOf(response) {
  try {
    const body = await response.json();
    return typeof body?.message === "string" ? body.message : undefined;
  } catch {
    return undefined;
  }
}

// A logged-in session: the token pair lives in private fields, which cannot be
// reached from outside the class and never show up in JSON.stringify or a log.
class Session {
  #baseUrl;
  #accessToken = null;
  #refreshToken = null;

  constructor(baseUrl) {
    this.#baseUrl = baseUrl;
  }

  get loggedIn() {
    return this.#accessToken !== null;
  }

  async #send(method, path, { body, bearer = false } = {}) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (bearer) headers.Authorization = `Bearer ${this.#accessToken}`;
    try {
      return await fetch(this.#baseUrl + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      const reason = error?.cause?.code || error?.cause?.message || error?.message || error;
      throw new ClientError(`${method} ${this.#baseUrl}${path} failed: ${reason}`);
    }
  }

  async #storePair(response) {
    const body = await response.json();
    if (typeof body?.accessToken !== "string" || typeof body?.refreshToken !== "string") {
      throw new ClientError("the token response lacks accessToken or refreshToken");
    }
    this.#accessToken = body.accessToken;
    this.#refreshToken = body.refreshToken;
    return body.expiresIn;
  }

  async login(username, password) {
    const response = await this.#send("POST", "/api/auth/login", { body: { username, password } });
    if (response.status !== 200) {
      const message = await messageOf(response);
      log({ event: "login", status: response.status });
      const retry = response.headers.get("retry-after");
      throw new ClientError(
        `login failed with ${response.status}: ${message ?? "no message"}` +
          (retry ? ` (retry after ${retry} s)` : ""),
      );
    }
    const expiresIn = await this.#storePair(response);
    log({ event: "login", status: 200, expiresIn });
  }

  // Exchange the refresh token for a new pair.  The old refresh token stops
  // working on the server (rotation), so the new one replaces it right away.
  async refresh() {
    const response = await this.#send("POST", "/api/auth/refresh-token", {
      body: { refreshToken: this.#refreshToken },
    });
    if (response.status !== 200) {
      const message = await messageOf(response);
      log({ event: "refresh", status: response.status });
      this.#accessToken = this.#refreshToken = null; // useless now: log in again
      throw new ClientError(`refresh failed with ${response.status}: ${message ?? "no message"}`);
    }
    const expiresIn = await this.#storePair(response);
    log({ event: "refresh", status: 200, expiresIn });
  }

  // GET a protected JSON resource and log it.  On 401 refresh once and retry
  // once; the event names say which attempt a line is about ("get", "retry").
  async getJson(path) {
    let response = await this.#send("GET", path, { bearer: true });
    if (response.status === 401) {
      log({ event: "get", status: 401, reason: await messageOf(response) });
      await this.refresh();
      response = await this.#send("GET", path, { bearer: true });
      return this.#expectJson("retry", path, response);
    }
    return this.#expectJson("get", path, response);
  }

  async #expectJson(event, path, response) {
    if (response.status !== 200) {
      const message = await messageOf(response);
      log({ event, status: response.status, reason: message });
      throw new ClientError(`GET ${path} answered ${response.status}: ${message ?? "no message"}`);
    }
    const body = await response.json();
    log({ event, status: 200, product: body });
    return body;
  }

  // Revoke every refresh token of this user on the server, then forget the pair.
  // Logout needs a live access token, so an expired one is refreshed first.
  async logout() {
    let response = await this.#send("POST", "/api/auth/logout", { bearer: true });
    if (response.status === 401) {
      log({ event: "logout", status: 401, reason: await messageOf(response) });
      await this.refresh();
      response = await this.#send("POST", "/api/auth/logout", { bearer: true });
    }
    this.#accessToken = this.#refreshToken = null;
    log({ event: "logout", status: response.status });
    if (response.status !== 204) {
      throw new ClientError(`logout answered ${response.status}, expected 204`);
    }
  }
}

async function main() {
  const config = readConfig(process.env);
  const session = new Session(config.baseUrl);
  const productPath = `/api/products/${config.productId}`;
  try {
    await session.login(config.username, config.password);

    await session.getJson(productPath);

    if (config.waitSeconds > 0) {
      log({ event: "wait", seconds: config.waitSeconds });
      await sleep(config.waitSeconds);
    }

    await session.getJson(productPath); // by now the access token may have expired
  } catch (error) {
    if (session.loggedIn) {
      await session.logout().catch(() => {}); // best effort: leave no refresh token behind
    }
    throw error;
  }
  await session.logout();
}

main().catch((error) => {
  const message =
    error instanceof ClientError ? error.message : `unexpected error: ${error?.stack ?? error}`;
  process.stderr.write(`client.mjs: ${message.split("\n")[0]}\n`);
  process.exitCode = 1;
});
