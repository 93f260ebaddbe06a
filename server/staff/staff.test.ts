import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import { testApp } from "../../tests/helpers.ts";
import type { Db } from "../db/index.ts";
import { hashToken, type StaffRole } from "../http/auth.ts";
import { createStaffUser, LOGIN_LIMITS } from "./commands.ts";

const PASSWORD = "correct horse battery";

// One app and database for the file: every test makes its own accounts and signs in from addresses of its own, and
// reads or changes only its own sessions and failures.
const { app, ctx } = await testApp();

async function makeUser(db: Db, role: StaffRole = "admin", departmentCode?: string) {
  const email = `${role}-${randomBytes(4).toString("hex")}@Example.org`;
  const id = await createStaffUser(db, {
    email,
    name: `Test ${role}`,
    password: PASSWORD,
    role,
    departmentCode,
  });
  return { id, email: email.toLowerCase() };
}

function signIn(app: FastifyInstance, email: string, password: string, ip = "10.0.0.1") {
  return app.inject({
    method: "POST",
    url: "/api/v1/auth/login",
    payload: { email, password },
    remoteAddress: ip,
  });
}

async function tokenFor(app: FastifyInstance, email: string): Promise<string> {
  const res = await signIn(app, email, PASSWORD, `10.9.${Math.floor(Math.random() * 250)}.1`);
  assert.equal(res.statusCode, 200, res.body);
  return res.json().token;
}

describe("staff authentication", () => {
  it("stores passwords as argon2id hashes with at least OWASP's parameters", async () => {
    const { id } = await makeUser(ctx.db);
    const [row] = await ctx.db.query<{ password_hash: string }>(
      "SELECT password_hash FROM staff_users WHERE id = $1",
      [id],
    );
    const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(row!.password_hash);
    assert.ok(match, row!.password_hash);
    assert.ok(Number(match[1]) >= 19_456 && Number(match[2]) >= 2 && Number(match[3]) >= 1);
    assert.ok(!row!.password_hash.includes(PASSWORD));
  });

  it("signs in with the right password, returns a token once and sets an HttpOnly cookie", async () => {
    const { email } = await makeUser(ctx.db, "agent");
    const res = await signIn(app, email.toUpperCase(), PASSWORD);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.match(body.token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(body.staff.email, email);
    assert.equal(body.staff.role, "agent");
    const cookie = String(res.headers["set-cookie"]);
    assert.match(cookie, /^responsiva_session=/);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
    const stored = await ctx.db.query<{ token_hash: string; hours: number }>(
      `SELECT token_hash, round(extract(epoch FROM expires_at - created_at) / 3600)::int AS hours
         FROM staff_sessions WHERE user_id = $1`,
      [body.staff.id],
    );
    assert.deepEqual(stored, [{ token_hash: hashToken(body.token), hours: 12 }]);

    const me = await app.inject({ method: "GET", url: "/api/v1/auth/me", headers: { cookie } });
    assert.equal(me.statusCode, 200);
    assert.equal(me.json().email, email);
  });

  it("answers the same 401 for a wrong password and for an unknown e-mail", async () => {
    const { email } = await makeUser(ctx.db);
    const wrong = await signIn(app, email, "not the password at all");
    const unknown = await signIn(app, "nobody@example.org", PASSWORD);
    assert.equal(wrong.statusCode, 401);
    assert.equal(unknown.statusCode, 401);
    assert.equal(wrong.json().code, "invalid_credentials");
    assert.deepEqual(wrong.json(), unknown.json());
  });

  it("refuses a disabled account with the same 401", async () => {
    const { id, email } = await makeUser(ctx.db);
    await ctx.db.query("UPDATE staff_users SET active = false WHERE id = $1", [id]);
    const res = await signIn(app, email, PASSWORD);
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().code, "invalid_credentials");
  });

  it("answers 429 with Retry-After after too many failures for one e-mail, even with the right password", async () => {
    const { email } = await makeUser(ctx.db);
    for (let i = 0; i < LOGIN_LIMITS.perEmail; i++) {
      assert.equal((await signIn(app, email, "wrong password!", `10.1.0.${i}`)).statusCode, 401);
    }
    const res = await signIn(app, email, PASSWORD, "10.1.1.1");
    assert.equal(res.statusCode, 429);
    assert.equal(res.json().code, "too_many_requests");
    const retry = Number(res.headers["retry-after"]);
    assert.ok(retry > 0 && retry <= LOGIN_LIMITS.windowSeconds, String(retry));
    // Once the failures leave the window the account may sign in again.
    await ctx.db.query("UPDATE login_failures SET at = at - interval '16 minutes' WHERE key = $1", [
      `email:${email}`,
    ]);
    assert.equal((await signIn(app, email, PASSWORD, "10.1.1.1")).statusCode, 200);
  });

  it("answers 429 after too many failures from one address across e-mails", async () => {
    const { email } = await makeUser(ctx.db);
    for (let i = 0; i < LOGIN_LIMITS.perIp; i++) {
      assert.equal(
        (await signIn(app, `guess${i}@example.org`, "wrong password!", "10.2.0.1")).statusCode,
        401,
      );
    }
    const res = await signIn(app, email, PASSWORD, "10.2.0.1");
    assert.equal(res.statusCode, 429);
    assert.ok(Number(res.headers["retry-after"]) > 0);
    assert.equal((await signIn(app, email, PASSWORD, "10.2.0.2")).statusCode, 200);
  });

  it("forgives an account's failures after a successful sign-in", async () => {
    const { email } = await makeUser(ctx.db);
    for (let i = 0; i < LOGIN_LIMITS.perEmail - 1; i++)
      await signIn(app, email, "wrong password!", "10.3.0.1");
    assert.equal((await signIn(app, email, PASSWORD, "10.3.0.1")).statusCode, 200);
    for (let i = 0; i < LOGIN_LIMITS.perEmail - 1; i++)
      await signIn(app, email, "wrong password!", "10.3.0.1");
    assert.equal((await signIn(app, email, PASSWORD, "10.3.0.1")).statusCode, 200);
  });

  it("ends the session at logout", async () => {
    const { email } = await makeUser(ctx.db);
    const token = await tokenFor(app, email);
    const headers = { authorization: `Bearer ${token}` };
    assert.equal((await app.inject({ method: "GET", url: "/api/v1/auth/me", headers })).statusCode, 200);
    const out = await app.inject({ method: "POST", url: "/api/v1/auth/logout", headers });
    assert.equal(out.statusCode, 204);
    assert.match(String(out.headers["set-cookie"]), /Max-Age=0/);
    assert.equal((await app.inject({ method: "GET", url: "/api/v1/auth/me", headers })).statusCode, 401);
  });

  it("answers 401 to an expired session", async () => {
    const { email } = await makeUser(ctx.db);
    const token = await tokenFor(app, email);
    await ctx.db.query(
      "UPDATE staff_sessions SET expires_at = now() - interval '1 second' WHERE token_hash = $1",
      [hashToken(token)],
    );
    const res = await app.inject({
      method: "GET",
      url: "/api/v1/auth/me",
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().code, "unauthenticated");
  });
});

describe("staff administration", () => {
  it("lets an administrator create an account that can then sign in", async () => {
    const admin = await makeUser(ctx.db, "admin");
    const headers = { authorization: `Bearer ${await tokenFor(app, admin.email)}` };
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/staff",
      headers,
      payload: { email: "New.Agent@Example.org", name: "Nova Atendente", password: PASSWORD, role: "agent" },
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().email, "new.agent@example.org");
    assert.equal(res.json().passwordHash, undefined);
    assert.equal((await signIn(app, "new.agent@example.org", PASSWORD)).statusCode, 200);

    const again = await app.inject({
      method: "POST",
      url: "/api/v1/staff",
      headers,
      payload: { email: "new.agent@example.org", name: "Outra", password: PASSWORD, role: "agent" },
    });
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().code, "email_taken");

    const list = await app.inject({ method: "GET", url: "/api/v1/staff", headers });
    assert.ok(list.json().some((s: { email: string }) => s.email === "new.agent@example.org"));
  });

  it("refuses a short password and a department role without a department", async () => {
    const admin = await makeUser(ctx.db, "admin");
    const headers = { authorization: `Bearer ${await tokenFor(app, admin.email)}` };
    const short = await app.inject({
      method: "POST",
      url: "/api/v1/staff",
      headers,
      payload: { email: "a@example.org", name: "A", password: "short", role: "agent" },
    });
    assert.equal(short.statusCode, 400);
    const noDepartment = await app.inject({
      method: "POST",
      url: "/api/v1/staff",
      headers,
      payload: { email: "b@example.org", name: "B", password: PASSWORD, role: "focal_point" },
    });
    assert.equal(noDepartment.statusCode, 422);
    assert.equal(noDepartment.json().code, "department_required");
  });

  it("does not let a non-administrator create accounts", async () => {
    const supervisor = await makeUser(ctx.db, "supervisor");
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/staff",
      headers: { authorization: `Bearer ${await tokenFor(app, supervisor.email)}` },
      payload: { email: "c@example.org", name: "C", password: PASSWORD, role: "admin" },
    });
    assert.equal(res.statusCode, 403);
  });

  it("resets a password and disables an account, ending its sessions", async () => {
    const admin = await makeUser(ctx.db, "admin");
    const agent = await makeUser(ctx.db, "agent");
    const headers = { authorization: `Bearer ${await tokenFor(app, admin.email)}` };
    const agentHeaders = { authorization: `Bearer ${await tokenFor(app, agent.email)}` };
    const newPassword = "another long password";
    const reset = await app.inject({
      method: "PATCH",
      url: `/api/v1/staff/${agent.id}`,
      headers,
      payload: { password: newPassword, role: "supervisor" },
    });
    assert.equal(reset.statusCode, 200, reset.body);
    assert.equal(reset.json().role, "supervisor");
    assert.equal(
      (await app.inject({ method: "GET", url: "/api/v1/auth/me", headers: agentHeaders })).statusCode,
      401,
    );
    assert.equal((await signIn(app, agent.email, newPassword)).statusCode, 200);

    const disable = await app.inject({
      method: "PATCH",
      url: `/api/v1/staff/${agent.id}`,
      headers,
      payload: { active: false },
    });
    assert.equal(disable.json().active, false);
    assert.equal((await signIn(app, agent.email, newPassword)).statusCode, 401);
  });
});

describe("demo staff seed", () => {
  it("holds a demo administrator who signs in with the demo password", async () => {
    const res = await signIn(
      app,
      "admin@responsiva.local",
      process.env.DEMO_ADMIN_PASSWORD ?? "responsiva-admin",
    );
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().staff.role, "admin");
  });
});
