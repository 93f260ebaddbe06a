import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { LOGIN_LIMITS } from "./commands.ts";

const { app, ctx } = await testApp();
const admin = await staffHeaders(ctx.db, "admin");
const PASSWORD = "the right password, long enough";

async function newAccount(email: string): Promise<void> {
  const res = await app.inject({
    method: "POST",
    url: "/api/v1/staff",
    headers: { authorization: admin.authorization },
    payload: { email, name: "Locked", password: PASSWORD, role: "agent" },
  });
  assert.equal(res.statusCode, 201, res.body);
}

const login = (email: string, password: string, ip: string) =>
  app.inject({
    method: "POST",
    url: "/api/v1/auth/login",
    remoteAddress: ip,
    payload: { email, password },
  });

describe("the sign-in lock holds under concurrency", () => {
  it("checks at most the limit's worth of 30 concurrent wrong passwords and refuses the rest with 429", async () => {
    const email = "concurrent@lock.test";
    await newAccount(email);
    const answers = await Promise.all(
      Array.from({ length: 30 }, () => login(email, "a wrong password", "192.0.2.10")),
    );
    const statuses = answers.map((a) => a.statusCode);
    const checked = statuses.filter((s) => s === 401).length;
    assert.equal(checked, LOGIN_LIMITS.perEmail, `password checks: ${statuses.join(",")}`);
    assert.equal(statuses.filter((s) => s === 429).length, 30 - LOGIN_LIMITS.perEmail);
    assert.ok(answers.filter((a) => a.statusCode === 429).every((a) => Number(a.headers["retry-after"]) > 0));
    // The account stays locked for the right password too, until the window passes.
    assert.equal((await login(email, PASSWORD, "192.0.2.11")).statusCode, 429);
  });

  it("lets the right password in while under the limit and does not count its own attempt", async () => {
    const email = "forgiven@lock.test";
    await newAccount(email);
    for (let i = 0; i < LOGIN_LIMITS.perEmail - 1; i++)
      assert.equal((await login(email, "a wrong password", "192.0.2.20")).statusCode, 401);
    assert.equal((await login(email, PASSWORD, "192.0.2.20")).statusCode, 200);
    const rows = await ctx.db.query<{ key: string; n: number }>(
      "SELECT key, count(*)::int AS n FROM login_failures WHERE key IN ($1, $2) GROUP BY key ORDER BY key",
      [`email:${email}`, "ip:192.0.2.20"],
    );
    assert.deepEqual(rows, [{ key: "ip:192.0.2.20", n: LOGIN_LIMITS.perEmail - 1 }]);
  });

  it("holds the per-address limit across accounts under concurrency", async () => {
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => login(`nobody-${i}@lock.test`, "a wrong password", "192.0.2.30")),
    );
    const statuses = answers.map((a) => a.statusCode);
    assert.equal(statuses.filter((s) => s === 401).length, LOGIN_LIMITS.perIp, statuses.join(","));
    assert.equal(statuses.filter((s) => s === 429).length, 30 - LOGIN_LIMITS.perIp);
  });
});
