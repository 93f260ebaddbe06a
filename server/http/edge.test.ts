import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { multipartBody } from "../../tests/factories.ts";
import { staffHeaders, testApp, withinOneRateWindow } from "../../tests/helpers.ts";
import { parseConfig, parseTrustProxy } from "../config.ts";

const { app, ctx } = await testApp({ anonymousRateLimitPerMinute: 3 });
const db = ctx.db;
const admin = await staffHeaders(db, "admin");
const agent = await staffHeaders(db, "agent");
const cookieOf = (h: { authorization: string }) => `responsiva_session=${h.authorization.slice(7)}`;
const EVIL = "https://evil.example";

const [anonymousService] = await db.query<{ code: string }>(
  "SELECT code FROM services WHERE active AND anonymous_allowed AND attributes = '[]'::jsonb ORDER BY code LIMIT 1",
);

async function newApiClient(): Promise<number> {
  return (await issueApiKey()).id;
}

async function issueApiKey(): Promise<{ id: number; key: string }> {
  const res = await app.inject({
    method: "POST",
    url: "/api/v1/api-clients",
    headers: { authorization: admin.authorization },
    payload: { name: `client ${Math.random()}` },
  });
  assert.equal(res.statusCode, 201, res.body);
  return { id: res.json().client.id, key: res.json().key };
}

const isRevoked = async (id: number) =>
  (
    await db.query<{ revoked: boolean }>(
      "SELECT revoked_at IS NOT NULL AS revoked FROM api_clients WHERE id = $1",
      [id],
    )
  )[0]!.revoked;

describe("forwarded addresses are believed only from configured proxies", () => {
  it("keeps the login limit per address when X-Forwarded-For rotates", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) {
      const res = await app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        headers: { "x-forwarded-for": `198.51.100.${i + 1}` },
        payload: { email: `nobody-${i}@xff.test`, password: "wrong password!" },
      });
      statuses.push(res.statusCode);
    }
    assert.deepEqual(statuses.slice(0, 20), Array(20).fill(401));
    assert.equal(statuses[20], 429, "the 21st failure from one address is refused whatever it claims");
    const keys = await db.query<{ key: string }>(
      "SELECT DISTINCT key FROM login_failures WHERE key LIKE 'ip:%'",
    );
    assert.deepEqual(
      keys.map((k) => k.key),
      ["ip:127.0.0.1"],
    );
  });

  it("keeps the anonymous API limit when X-Forwarded-For rotates", async () => {
    await withinOneRateWindow(10_000);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await app.inject({
        url: "/open311/v2/services.json",
        headers: { "x-forwarded-for": `203.0.113.${i + 1}` },
      });
      statuses.push(res.statusCode);
    }
    assert.deepEqual(statuses, [200, 200, 200, 429]);
  });

  it("uses the forwarded address when the request comes through a configured proxy", async () => {
    const { app: proxied, ctx: proxiedCtx } = await testApp({
      anonymousRateLimitPerMinute: 3,
      trustProxy: parseTrustProxy("10.0.0.0/8, 127.0.0.1"),
    });
    await withinOneRateWindow(10_000);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await proxied.inject({
        url: "/open311/v2/services.json",
        headers: { "x-forwarded-for": `203.0.113.${i + 1}` },
      });
      statuses.push(res.statusCode);
    }
    assert.deepEqual(statuses, [200, 200, 200, 200], "four clients behind the proxy, one request each");
    await proxied.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      headers: { "x-forwarded-for": "192.0.2.77, 10.1.2.3" },
      payload: { email: "someone@xff.test", password: "wrong password!" },
    });
    const keys = await proxiedCtx.db.query<{ key: string }>(
      "SELECT key FROM login_failures WHERE key LIKE 'ip:%'",
    );
    assert.deepEqual(
      keys.map((k) => k.key),
      ["ip:192.0.2.77"],
      "the proxies' own hops are skipped",
    );
  });

  it("reads TRUST_PROXY as a list of addresses and CIDRs or a hop count, off by default", () => {
    const config = (env: Record<string, string>) => {
      const parsed = parseConfig(env);
      return "config" in parsed ? parsed.config.trustProxy : parsed.problems;
    };
    assert.equal(config({}), false);
    assert.equal(config({ TRUST_PROXY: "" }), false);
    assert.equal(config({ TRUST_PROXY: "2" }), 2);
    assert.deepEqual(config({ TRUST_PROXY: "10.0.0.1, 192.168.0.0/16,::1,loopback" }), [
      "10.0.0.1",
      "192.168.0.0/16",
      "::1",
      "loopback",
    ]);
    for (const bad of ["true", "10.0.0.0/33", "proxy.example", "10.0.0.1,"]) {
      const problems = config({ TRUST_PROXY: bad });
      assert.ok(Array.isArray(problems) && problems[0]?.startsWith("TRUST_PROXY"), `${bad} is refused`);
    }
  });
});

describe("changes riding on a session cookie from another site are refused", () => {
  it("refuses a cross-origin revoke and take-next with only the staff cookie (text/plain, evil Origin)", async () => {
    const id = await newApiClient();
    const revoke = await app.inject({
      method: "POST",
      url: `/api/v1/api-clients/${id}/revoke`,
      headers: { cookie: cookieOf(admin), origin: EVIL, "content-type": "text/plain" },
      payload: "x",
    });
    assert.equal(revoke.statusCode, 403, revoke.body);
    assert.match(String(revoke.headers["content-type"]), /application\/problem\+json/);
    assert.equal(revoke.json().code, "cross_site_request");
    assert.equal(await isRevoked(id), false, "the key still works");
    const next = await app.inject({
      method: "POST",
      url: "/api/v1/triage/next",
      headers: { cookie: cookieOf(agent), origin: EVIL, "content-type": "text/plain" },
      payload: "x",
    });
    assert.equal(next.statusCode, 403, next.body);
    assert.equal(next.json().code, "cross_site_request");
  });

  it("refuses a sibling host of the same site (Sec-Fetch-Site: same-site) and a null Origin", async () => {
    const id = await newApiClient();
    for (const headers of [
      { "sec-fetch-site": "same-site" },
      { "sec-fetch-site": "cross-site" },
      { origin: "null" },
    ]) {
      const res = await app.inject({
        method: "POST",
        url: `/api/v1/api-clients/${id}/revoke`,
        headers: { cookie: cookieOf(admin), ...headers },
      });
      assert.equal(res.statusCode, 403, JSON.stringify(headers));
    }
    assert.equal(await isRevoked(id), false);
  });

  it("refuses a cross-site sign-out of a citizen's session", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/citizen/sign-out",
      headers: { cookie: "responsiva_citizen=some-token", origin: EVIL },
    });
    assert.equal(res.statusCode, 403);
  });

  it("lets the site's own pages change things with the cookie (same origin, PUBLIC_URL, Sec-Fetch-Site)", async () => {
    for (const headers of [
      { "sec-fetch-site": "same-origin" },
      { origin: "http://localhost" },
      { origin: ctx.config.publicUrl },
      {},
    ]) {
      const id = await newApiClient();
      const res = await app.inject({
        method: "POST",
        url: `/api/v1/api-clients/${id}/revoke`,
        headers: { cookie: cookieOf(admin), host: "localhost", ...headers },
      });
      assert.equal(res.statusCode, 200, `${JSON.stringify(headers)}: ${res.body}`);
      assert.equal(await isRevoked(id), true);
    }
  });

  it("leaves bearer-token callers alone whatever their Origin", async () => {
    const id = await newApiClient();
    const res = await app.inject({
      method: "POST",
      url: `/api/v1/api-clients/${id}/revoke`,
      headers: { authorization: admin.authorization, cookie: cookieOf(admin), origin: EVIL },
    });
    assert.equal(res.statusCode, 200, res.body);
  });

  it("lets Open311 form posts from other sites through (they authenticate by api_key, not by the cookie)", async () => {
    const { key } = await issueApiKey();
    const res = await app.inject({
      method: "POST",
      url: "/open311/v2/requests.json",
      headers: {
        cookie: cookieOf(admin),
        origin: EVIL,
        "content-type": "application/x-www-form-urlencoded",
      },
      payload: `api_key=${key}&service_code=${anonymousService!.code}&description=buraco&lat=-23.5503&long=-46.634`,
    });
    assert.ok(res.statusCode === 200 || res.statusCode === 201, res.body);
  });
});

describe("a body is taken only in the media types its route declares", () => {
  it("refuses text/plain on a JSON route with 415, from the cookie or a bearer token", async () => {
    for (const headers of [
      { cookie: cookieOf(admin), origin: "http://localhost" },
      { authorization: admin.authorization },
    ]) {
      const res = await app.inject({
        method: "POST",
        url: "/api/v1/api-clients",
        headers: { ...headers, host: "localhost", "content-type": "text/plain" },
        payload: JSON.stringify({ name: "plain" }),
      });
      assert.equal(res.statusCode, 415, res.body);
      assert.equal(res.json().code, "unsupported_media_type");
    }
    const clients = await db.query("SELECT 1 FROM api_clients WHERE name = 'plain'");
    assert.equal(clients.length, 0, "nothing was written");
  });

  it("refuses a form or multipart body on a JSON-only route and takes JSON with parameters", async () => {
    for (const type of ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
      const res = await app.inject({
        method: "POST",
        url: "/api/v1/api-clients",
        headers: { authorization: admin.authorization, "content-type": type },
        payload: "name=form",
      });
      assert.equal(res.statusCode, 415, `${type}: ${res.body}`);
    }
    const json = await app.inject({
      method: "POST",
      url: "/api/v1/api-clients",
      headers: { authorization: admin.authorization, "content-type": "Application/JSON; charset=utf-8" },
      payload: JSON.stringify({ name: "json with charset" }),
    });
    assert.equal(json.statusCode, 201, json.body);
  });
});

describe("cookies are parsed by @fastify/cookie", () => {
  it("answers a malformed staff session cookie with 401, not 500", async () => {
    const res = await app.inject({
      url: "/api/v1/auth/me",
      headers: { cookie: "responsiva_session=%E0%A4%A" },
    });
    assert.equal(res.statusCode, 401, res.body);
  });

  it("answers a malformed citizen cookie with 401, not 500", async () => {
    const res = await app.inject({
      url: "/api/v1/citizen/demands",
      headers: { cookie: "a=1; responsiva_citizen=%E0%A4%A; b" },
    });
    assert.equal(res.statusCode, 401, res.body);
  });

  it("sets the session cookie HttpOnly and SameSite=Lax at sign-in", async () => {
    await db.query("DELETE FROM login_failures"); // the first test spent this address's failures
    const email = `cookie-${Date.now()}@test.local`;
    await app.inject({
      method: "POST",
      url: "/api/v1/staff",
      headers: { authorization: admin.authorization },
      payload: { email, name: "Cookie", password: "a long enough password", role: "agent" },
    });
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { email, password: "a long enough password" },
    });
    assert.equal(res.statusCode, 200, res.body);
    const cookie = String(res.headers["set-cookie"]);
    assert.match(cookie, new RegExp(`^responsiva_session=${res.json().token};`));
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
    const me = await app.inject({ url: "/api/v1/auth/me", headers: { cookie: cookie.split(";")[0]! } });
    assert.equal(me.statusCode, 200);
  });
});

describe("security headers", () => {
  it("sends nosniff and a no-content policy with API answers and problems", async () => {
    for (const url of ["/health", "/api/v1/nothing-here"]) {
      const res = await app.inject({ url });
      assert.equal(res.headers["x-content-type-options"], "nosniff", url);
      assert.match(String(res.headers["content-security-policy"]), /default-src 'none'/, url);
      assert.equal(res.headers["x-frame-options"], "DENY", url);
    }
  });

  it("gives server-rendered pages a strict policy that allows only the portal's stylesheet and their own inline style", async () => {
    for (const url of [
      "/carta-de-servicos",
      "/consentimento/retirar?token=x",
      "/carta-de-servicos?lang=en",
    ]) {
      const res = await app.inject({ url });
      assert.match(String(res.headers["content-type"]), /text\/html/, url);
      const csp = String(res.headers["content-security-policy"]);
      assert.match(csp, /default-src 'none'/, url);
      assert.match(csp, /frame-ancestors 'none'/, url);
      assert.doesNotMatch(csp, /unsafe-inline|script-src/, url);
      const style = /<style>([\s\S]*?)<\/style>/.exec(res.body)?.[1] ?? "";
      const hash = createHash("sha256").update(style).digest("base64");
      assert.ok(csp.includes(`'sha256-${hash}'`), `${url}: the inline style is the one allowed`);
      assert.equal(res.headers["x-content-type-options"], "nosniff");
      assert.equal(res.headers["referrer-policy"], "no-referrer");
    }
  });

  it("gives the counter receipt the same strict policy", async () => {
    const created = await app.inject({
      method: "POST",
      url: "/api/v1/demands",
      payload: {
        service: anonymousService!.code,
        description: "recibo",
        identity: "anonymous",
        location: { lat: -23.5503, lon: -46.634 },
      },
    });
    assert.equal(created.statusCode, 201, created.body);
    const res = await app.inject({
      url: `/api/v1/demands/${created.json().protocol}/receipt`,
      headers: { authorization: agent.authorization },
    });
    assert.equal(res.statusCode, 200, res.body);
    const csp = String(res.headers["content-security-policy"]);
    const style = /<style>([\s\S]*?)<\/style>/.exec(res.body)?.[1] ?? "";
    assert.ok(csp.includes(`'sha256-${createHash("sha256").update(style).digest("base64")}'`));
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(res.headers["x-content-type-options"], "nosniff");
  });

  it("keeps the web shells' own policy", async () => {
    const res = await app.inject({ url: "/console" });
    assert.equal(res.statusCode, 200, "tests/prepare.ts builds the web apps");
    assert.match(String(res.headers["content-security-policy"]), /script-src 'self'/);
    assert.equal(res.headers["x-content-type-options"], "nosniff");
  });
});

describe("users' files are served so that no browser runs them", () => {
  const PNG = Buffer.from(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
    "base64",
  );
  // A PDF (by its magic bytes) that is also an HTML page with a script.
  const POLYGLOT = Buffer.from(
    "%PDF-1.4\n<html><body><script>fetch('/api/v1/auth/me')</script></body></html>\n%%EOF\n",
  );

  async function fileWithDemand(name: string, type: string, content: Buffer) {
    const demand = {
      service: anonymousService!.code,
      description: "arquivo",
      identity: "anonymous",
      location: { lat: -23.5503, lon: -46.634 },
    };
    const created = await app.inject({
      method: "POST",
      url: "/api/v1/demands",
      ...multipartBody(demand, [{ field: "attachments", name, type, content }]),
    });
    assert.equal(created.statusCode, 201, created.body);
    const { protocol, secret } = created.json();
    const view = await app.inject({ url: `/api/v1/demands/${protocol}?secret=${secret}` });
    const [attachment] = view.json().attachments;
    return app.inject({ url: `${attachment.url}?secret=${secret}` });
  }

  it("serves a PDF that is also HTML as a PDF to download, sandboxed and never sniffed", async () => {
    const file = await fileWithDemand("page.html", "text/html", POLYGLOT);
    assert.equal(file.statusCode, 200);
    assert.match(String(file.headers["content-type"]), /^application\/pdf/);
    assert.match(String(file.headers["content-disposition"]), /^attachment; filename="[\w.-]+\.pdf"$/);
    assert.equal(file.headers["x-content-type-options"], "nosniff");
    assert.equal(file.headers["content-security-policy"], "default-src 'none'; sandbox");
  });

  it("shows a verified image inline, still sandboxed and never sniffed", async () => {
    const file = await fileWithDemand("photo.bin", "application/octet-stream", PNG);
    assert.equal(file.statusCode, 200);
    assert.match(String(file.headers["content-type"]), /^image\/png/);
    assert.match(String(file.headers["content-disposition"]), /^inline; filename="[\w.-]+\.png"$/);
    assert.equal(file.headers["x-content-type-options"], "nosniff");
    assert.equal(file.headers["content-security-policy"], "default-src 'none'; sandbox");
    assert.deepEqual(file.rawPayload, PNG);
  });
});

describe("the service worker's script", () => {
  it("comes without a content policy, which would bind the worker and block its fetches", async () => {
    for (const url of ["/sw.js", "/console-sw.js"]) {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, 200, url);
      assert.equal(res.headers["content-security-policy"], undefined, url);
      assert.equal(res.headers["x-content-type-options"], "nosniff", url);
    }
  });
});
