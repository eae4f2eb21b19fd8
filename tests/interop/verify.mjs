// Verifies a ticketbooth access token with the npm package `jose`, from a JWKS document.
// Usage: node verify.mjs <jwks.json> <issuer> <audience>   (token on standard input)
// Prints {"ok":true,"claims":{...}} or {"ok":false,"code":"ERR_..."}.
import { readFileSync } from "node:fs";
import { createLocalJWKSet, jwtVerify } from "jose";

const [jwksPath, issuer, audience] = process.argv.slice(2);
const token = readFileSync(0, "utf8").trim();
const jwks = createLocalJWKSet(JSON.parse(readFileSync(jwksPath, "utf8")));
try {
  const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer, audience });
  console.log(JSON.stringify({ ok: true, claims: payload, header: protectedHeader }));
} catch (err) {
  console.log(JSON.stringify({ ok: false, code: err.code ?? String(err) }));
}
