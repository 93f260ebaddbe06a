import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { FastifyRequest } from "fastify";
import { staffHeaders, testApp, withinOneRateWindow } from "../../tests/helpers.ts";
import { AppError } from "../errors.ts";
import { authenticateApiClient, forgetCachedKeys } from "./auth.ts";
import { createApiClient } from "./commands.ts";
import { startRateLimiter, WINDOW_MS } from "./limiter.ts";

const { app, ctx } = await testApp({ anonymousRateLimitPerMinute: 5 });
const { db } = ctx;

/** A request as the public routes see it: this app, from `ip`. */
const requestFrom = (ip: string) => ({ server: app, ip }) as unknown as FastifyRequest;

async function refusal(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  assert.fail("expected a refusal");
}

describe("API clients", () => {
  it("shows a new key once and keeps only its hash", async () => {
    const { authorization } = await staffHeaders(db, "admin");
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/api-clients",
      headers: { authorization },
      payload: { name: "FixMyStreet Brasil", contact: "ops@fms.example", rateLimitPerMinute: 120 },
    });
    assert.equal(res.statusCode, 201, res.body);
    const { client, key } = res.json();
    assert.match(key, /^rsv_[A-Za-z0-9_-]{43}$/);
    assert.equal(client.keyPrefix, key.slice(0, 10));
    assert.equal(client.rateLimitPerMinute, 120);
    const stored = await db.query<{ key_hash: string }>("SELECT key_hash FROM api_clients WHERE id = $1", [
      client.id,
    ]);
    assert.notEqual(stored[0]!.key_hash, key);
    assert.match(stored[0]!.key_hash, /^[0-9a-f]{64}$/);
    const list = await app.inject({ url: "/api/v1/api-clients", headers: { authorization } });
    assert.equal(list.statusCode, 200);
    assert.ok(!list.body.includes(key), "the list never shows a key");
    assert.ok(list.json().some((c: { id: number }) => c.id === client.id));
  });

  it("refuses a bad body, an unknown client and a non-admin with problems", async () => {
    const { authorization } = await staffHeaders(db, "admin");
    const bad = await app.inject({
      method: "POST",
      url: "/api/v1/api-clients",
      headers: { authorization },
      payload: { name: "", rateLimitPerMinute: 0 },
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.headers["content-type"], "application/problem+json; charset=utf-8");
    assert.deepEqual(
      bad
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
      ["name", "rateLimitPerMinute"],
    );
    const missing = await app.inject({
      method: "POST",
      url: "/api/v1/api-clients/999999/revoke",
      headers: { authorization },
    });
    assert.equal(missing.statusCode, 404);
    const agent = await staffHeaders(db, "agent");
    const refused = await app.inject({
      url: "/api/v1/api-clients",
      headers: { authorization: agent.authorization },
    });
    assert.equal(refused.statusCode, 403);
  });

  it("authenticates a key, refuses an unknown or revoked one, and asks for one where required", async () => {
    const { client, key } = await createApiClient(db, { name: "App Cidadão" }, null);
    const found = await authenticateApiClient(requestFrom("10.0.0.1"), key, { required: true });
    assert.equal(found?.id, client.id);
    assert.equal(
      (await refusal(authenticateApiClient(requestFrom("10.0.0.1"), "rsv_nope", { required: false }))).code,
      "invalid_api_key",
    );
    assert.equal(
      (await refusal(authenticateApiClient(requestFrom("10.0.0.1"), undefined, { required: true }))).status,
      401,
    );
    const { authorization } = await staffHeaders(db, "admin");
    const revoked = await app.inject({
      method: "POST",
      url: `/api/v1/api-clients/${client.id}/revoke`,
      headers: { authorization },
    });
    assert.equal(revoked.statusCode, 200);
    assert.ok(revoked.json().revokedAt);
    const after = await refusal(authenticateApiClient(requestFrom("10.0.0.1"), key, { required: true }));
    assert.equal(after.status, 403);
    assert.equal(after.code, "invalid_api_key");
  });

  it("answers 429 with Retry-After once a client passes its limit, and a raised limit takes effect", async () => {
    const { client, key } = await createApiClient(db, { name: "Painel", rateLimitPerMinute: 3 }, null);
    await withinOneRateWindow(10_000);
    for (let i = 0; i < 3; i++) await authenticateApiClient(requestFrom("10.0.0.2"), key, { required: true });
    const limited = await refusal(authenticateApiClient(requestFrom("10.0.0.2"), key, { required: true }));
    assert.equal(limited.status, 429);
    assert.equal(limited.code, "rate_limited");
    const wait = Number(limited.headers["retry-after"]);
    assert.ok(wait >= 1 && wait <= 60, `Retry-After ${wait}`);
    const { authorization } = await staffHeaders(db, "admin");
    const raised = await app.inject({
      method: "PATCH",
      url: `/api/v1/api-clients/${client.id}`,
      headers: { authorization },
      payload: { rateLimitPerMinute: 10 },
    });
    assert.equal(raised.statusCode, 200);
    forgetCachedKeys();
    assert.equal(
      (await authenticateApiClient(requestFrom("10.0.0.2"), key, { required: true }))?.id,
      client.id,
    );
  });

  it("limits callers without a key per address, one address not spending another's", async () => {
    await withinOneRateWindow(10_000);
    for (let i = 0; i < 5; i++)
      await authenticateApiClient(requestFrom("10.1.1.1"), undefined, { required: false });
    assert.equal(
      (await refusal(authenticateApiClient(requestFrom("10.1.1.1"), undefined, { required: false }))).status,
      429,
    );
    assert.equal(
      await authenticateApiClient(requestFrom("10.1.1.2"), undefined, { required: false }),
      undefined,
    );
  });

  it("enforces one limit across processes through the shared counters, and keeps no address in them", async () => {
    // Two limiters over one database are two app processes.
    const a = startRateLimiter(db, 0);
    const b = startRateLimiter(db, 0);
    const now = Math.floor(Date.now() / WINDOW_MS) * WINDOW_MS + 1_000;
    const taken = (l: typeof a, n: number) => {
      let ok = 0;
      for (let i = 0; i < n; i++) if (l.take("ip:shared-test", 10, now).ok) ok++;
      return ok;
    };
    assert.equal(taken(a, 6), 6);
    assert.equal(taken(b, 4), 4);
    await a.flush(now);
    await b.flush(now);
    await a.flush(now); // a learns what b counted
    assert.equal(taken(a, 1), 0, "the tenth request of the minute was the last, whichever process took it");
    assert.equal(taken(b, 1), 0);
    const later = now + WINDOW_MS;
    assert.equal(a.take("ip:shared-test", 10, later).ok, true, "a new minute starts a new count");
    await a.stop();
    await b.stop();
    const rows = await db.query<{ bucket: string; count: number }>(
      "SELECT bucket, count FROM api_usage WHERE bucket = 'ip:shared-test'",
    );
    assert.equal(rows[0]?.count, 10);
    const addresses = await db.query("SELECT 1 FROM api_usage WHERE bucket LIKE '%10.1.1.%'");
    assert.equal(addresses.length, 0);
  });
});
