/**
 * The role × route matrix: every declared route with an action is called by every staff role and must answer 403
 * exactly when the permission table denies it; without a session every protected route answers 401; every public
 * route answers without one. Path parameters get dummy values: a 400, 404 or 422 still proves the role got through.
 * Every route registered on the app is declared this way, but for the pages and static files of tests/pages.ts.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import { one } from "../server/db/index.ts";
import { can, hashToken, STAFF_ROLES, type StaffRole } from "../server/http/auth.ts";
import { declaredRoutes, type RouteSpec, registeredRoutes } from "../server/http/openapi.ts";
import { testApp } from "./helpers.ts";
import { isUndeclaredRoute, UNDECLARED_ROUTES } from "./pages.ts";

// Built at the top level: testApp() closes its app in an after() hook of the scope that calls it.
const { app } = await testApp();
const users = await createRoleUsers(app);

async function createRoleUsers(app: FastifyInstance): Promise<Map<StaffRole, number>> {
  const users = new Map<StaffRole, number>();
  const { db } = app.ctx;
  // A department of our own, so department roles exist whatever the organisation seed holds.
  const department = await one<{ id: number }>(
    db,
    "INSERT INTO departments (code, name) VALUES ($1, 'Matrix test department') RETURNING id",
    [`MATRIX-${randomBytes(3).toString("hex")}`],
  );
  for (const role of STAFF_ROLES) {
    const user = await one<{ id: number }>(
      db,
      `INSERT INTO staff_users (email, name, password_hash, role, department_id)
       VALUES ($1, $2, 'not-a-hash', $3, $4) RETURNING id`,
      [`matrix-${role}@example.org`, `Matrix ${role}`, role, department.id],
    );
    users.set(role, user.id);
  }
  return users;
}

// A fresh session per call: a route that ends sessions or changes its caller cannot spoil the next call.
async function sessionHeaders(role: StaffRole): Promise<Record<string, string>> {
  const token = randomBytes(32).toString("base64url");
  await app.ctx.db.query(
    "INSERT INTO staff_sessions (token_hash, user_id, expires_at) VALUES ($1, $2, now() + interval '1 hour')",
    [hashToken(token), users.get(role)],
  );
  return { authorization: `Bearer ${token}` };
}

function call(spec: RouteSpec, headers: Record<string, string> = {}) {
  const url = spec.path.replace(/:(\w+)/g, "1").replace(/\*/g, "x");
  const hasBody = spec.method !== "GET" && spec.method !== "DELETE";
  return app.inject({ method: spec.method, url, headers, ...(hasBody ? { payload: {} } : {}) });
}

const name = (spec: RouteSpec) => `${spec.method} ${spec.path}`;

describe("role × route matrix", () => {
  it("declares routes to walk", () => {
    assert.ok(declaredRoutes().length > 0);
  });

  it("answers 403 exactly when the role lacks the route's action", async () => {
    const failures: string[] = [];
    for (const spec of declaredRoutes()) {
      if (spec.action === "public" || spec.action === "citizen") continue;
      for (const role of STAFF_ROLES) {
        const res = await call(spec, await sessionHeaders(role));
        const allowed = can(role, spec.action);
        if (allowed && (res.statusCode === 401 || res.statusCode === 403))
          failures.push(`${role} ${name(spec)} (${spec.action}): ${res.statusCode}, expected to pass`);
        if (!allowed && res.statusCode !== 403)
          failures.push(`${role} ${name(spec)} (${spec.action}): ${res.statusCode}, expected 403`);
      }
    }
    assert.deepEqual(failures, []);
  });

  it("answers 401 to every protected route without a session", async () => {
    const failures: string[] = [];
    for (const spec of declaredRoutes()) {
      if (spec.action === "public") continue;
      const res = await call(spec);
      if (res.statusCode !== 401) failures.push(`${name(spec)}: ${res.statusCode}`);
    }
    assert.deepEqual(failures, []);
  });

  it("answers every public route without a session", async () => {
    const failures: string[] = [];
    for (const spec of declaredRoutes()) {
      if (spec.action !== "public") continue;
      const res = await call(spec);
      if (res.statusCode === 401 || res.statusCode === 403) failures.push(`${name(spec)}: ${res.statusCode}`);
    }
    assert.deepEqual(failures, []);
  });

  it("declares every registered route with its permission, pages and static files aside", async () => {
    await app.ready();
    const declared = new Set(declaredRoutes().map(name));
    const registered = registeredRoutes();
    const undeclared = registered.filter((key) => !declared.has(key) && !isUndeclaredRoute(key));
    assert.deepEqual(
      undeclared,
      [],
      "register these with route() and an action, or list them in tests/pages.ts",
    );
    // The list of pages stays exact: an entry for a route that no longer exists is a stale exemption.
    const stale = UNDECLARED_ROUTES.filter((r) =>
      registered.every((key) => !key.endsWith(` ${r.path}`) || declared.has(key)),
    );
    assert.deepEqual(stale, []);
    assert.ok(
      registered.every((key) => !key.includes(" /api/") || declared.has(key)),
      "an API route is declared",
    );
  });
});
