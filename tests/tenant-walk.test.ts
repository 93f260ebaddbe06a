/**
 * Two tenants on one install (issue 16, decision 0059): each gets staff of every role (the platform operator only in
 * the home tenant, the one the database allows it in), a citizen with a session, an API key, a webhook and a demand
 * carrying a marker word of its own. Every declared route is then called on one
 * tenant's host by that tenant's people, with the other tenant's ids in the path, and no answer may hold the other's
 * marker; the other's sessions and keys open nothing; the live hub hands each stream only its tenant's events; the
 * jobs of both run, each as its tenant; the other's rows are unchanged by the whole walk.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { CITY_ROLES } from "../domain/staff-roles.ts";
import { createApiClient } from "../server/api-keys/commands.ts";
import { startEventHub } from "../server/events/hub.ts";
import { hashToken, STAFF_ROLES } from "../server/http/auth.ts";
import { declaredRoutes, type RouteSpec } from "../server/http/openapi.ts";
import { addTenantHost, createTenant, setTenantStatus } from "../server/tenants/commands.ts";
import { DEFAULT_TENANT, runAcrossTenants, runAsTenant } from "../server/tenants/current.ts";
import { contentOfTemplate } from "../server/tenants/templates.ts";
import { drain, fileDemand } from "./factories.ts";
import { staffHeaders, testApp, testConfig } from "./helpers.ts";

const { app, ctx } = await testApp();
const { db } = ctx;

interface Side {
  tenant: number;
  host: string;
  marker: string;
  /** Each person's id: each staff role's user, the citizen (sessions are made fresh for each route). */
  people: Map<string, number>;
  apiKey: string;
  /** Ids of the side's rows of every kind a path can name. */
  ids: number[];
  protocol: string;
}

const B_ID = await createTenant(
  db,
  {
    slug: "walk-b",
    name: "Cidade B",
    hosts: ["b.walk.test"],
    jurisdictionId: "b.walk.test",
  },
  contentOfTemplate("sao-paulo", testConfig().sharedDataDir, undefined, "fixture"),
);
await addTenantHost(db, "default", "a.walk.test");

/** Fills one side: a department, staff of every role, a demand filed by a citizen, a key, a webhook. */
async function populate(tenant: number, host: string): Promise<Side> {
  const marker = `MARK${randomBytes(4).toString("hex").toUpperCase()}`;
  return runAsTenant(tenant, async () => {
    await db.query("INSERT INTO departments (code, name) VALUES ('WALK', $1)", [`${marker} Departamento`]);
    const people = new Map<string, number>();
    for (const role of tenant === DEFAULT_TENANT ? STAFF_ROLES : CITY_ROLES) {
      const staff = await staffHeaders(db, role, "WALK");
      await db.query("UPDATE staff_users SET name = $2 WHERE id = $1", [staff.staffId, `${marker} ${role}`]);
      people.set(role, staff.staffId);
    }
    const demand = await fileDemand(
      { app, ctx },
      {
        description: `${marker} buraco na calçada`,
        name: `${marker} Cidadã`,
        email: `${marker.toLowerCase()}@example.org`,
        headers: { host },
      },
    );
    people.set("citizen", demand.citizen_id!);
    const client = await createApiClient(db, { name: `${marker} app` }, null);
    const [ids] = await db.query<{ ids: number[] }>(
      `SELECT array_remove(ARRAY[
                (SELECT max(id) FROM demands), (SELECT max(id) FROM citizens), (SELECT max(id) FROM departments),
                (SELECT max(id) FROM services), (SELECT max(id) FROM service_groups), (SELECT max(id) FROM work_orders),
                (SELECT max(id) FROM api_clients), (SELECT max(id) FROM webhook_subscriptions),
                (SELECT max(id) FROM demand_events), (SELECT max(id) FROM messages), (SELECT max(id) FROM alarms),
                (SELECT max(id) FROM teams), (SELECT max(id) FROM holidays), (SELECT max(id) FROM answer_templates)
              ], NULL) AS ids`,
    );
    // One staff id stands for them all (the path of a staff route takes any): the walk stays within a minute.
    const all = new Set([...ids!.ids, people.get("admin")!, people.get("citizen")!]);
    return { tenant, host, marker, people, apiKey: client.key, ids: [...all], protocol: demand.protocol };
  });
}

const A = await populate(DEFAULT_TENANT, "a.walk.test");
const B = await populate(B_ID, "b.walk.test");
// Both tenants' jobs (routing, receipts, webhooks, indicators) run, each as its tenant.
await drain(ctx);

const PRINCIPALS = ["nobody", ...STAFF_ROLES, "citizen", "api-key"] as const;

/** Whether a side has that principal: the platform operator lives in the home tenant alone. */
const has = (side: Side, who: string) =>
  !(STAFF_ROLES as readonly string[]).includes(who) || side.people.has(who);

/**
 * The headers of one of a side's principals, with a session made now: a route called earlier may have ended the
 * last one (a sign-out, a disabled user).
 */
async function headersOf(side: Side, who: string): Promise<Record<string, string>> {
  if (who === "nobody") return { host: side.host };
  if (who === "api-key") return { host: side.host, "x-api-key": side.apiKey };
  const token = randomBytes(32).toString("base64url");
  const table =
    who === "citizen" ? "citizen_sessions (token_hash, citizen_id" : "staff_sessions (token_hash, user_id";
  await runAsTenant(side.tenant, () =>
    db.query(`INSERT INTO ${table}, expires_at) VALUES ($1, $2, now() + interval '1 hour')`, [
      hashToken(token),
      side.people.get(who),
    ]),
  );
  return who === "citizen"
    ? { host: side.host, cookie: `responsiva_citizen=${token}` }
    : { host: side.host, authorization: `Bearer ${token}` };
}

/** A fingerprint of a side's rows, to show that the other's walk changed none of them. */
function fingerprint(side: Side): Promise<string> {
  return runAsTenant(side.tenant, async () => {
    const [row] = await db.query<{ f: string }>(
      `SELECT md5(concat_ws('|',
         (SELECT string_agg(d::text, ',' ORDER BY d.id) FROM demands d),
         (SELECT string_agg(s.id || s.name || s.role || s.active, ',' ORDER BY s.id) FROM staff_users s),
         (SELECT string_agg(c.id || coalesce(c.name, ''), ',' ORDER BY c.id) FROM citizens c),
         (SELECT string_agg(a.id || a.name || coalesce(a.revoked_at::text, ''), ',' ORDER BY a.id) FROM api_clients a),
         (SELECT count(*) FROM work_orders), (SELECT count(*) FROM demand_events))) AS f`,
    );
    return row!.f;
  });
}

/** Each path with the other side's ids (and protocol, codes) in its parameters. */
function pathsOf(spec: RouteSpec, other: Side): string[] {
  const params = [...spec.path.matchAll(/:(\w+)/g)].map((m) => m[1]);
  const fill = (value: (name: string) => string) =>
    spec.path.replace(/:(\w+)/g, (_, name: string) => value(name)).replace(/\*/g, "x");
  const fixed = (name: string) =>
    name === "protocol" ? other.protocol : name === "code" ? "WALK" : name === "format" ? "json" : "1";
  if (!params.includes("id") && !params.includes("deliveryId")) return [fill(fixed)];
  return other.ids.map((id) =>
    fill((name) => (name === "id" || name === "deliveryId" ? String(id) : fixed(name))),
  );
}

/** Walks every declared route on `side`'s host as each of its principals, with `other`'s ids. */
async function walk(side: Side, other: Side): Promise<string[]> {
  const leaks: string[] = [];
  for (const spec of declaredRoutes()) {
    for (const who of PRINCIPALS) {
      if (!has(side, who)) continue;
      const headers = await headersOf(side, who);
      for (const url of pathsOf(spec, other)) {
        const hasBody = spec.method !== "GET" && spec.method !== "DELETE";
        const res = await app.inject({
          method: spec.method,
          url,
          headers,
          ...(hasBody ? { payload: {} } : {}),
        });
        // An answer may quote what it was asked (a problem's `instance`, "no demand with the protocol …"): the
        // caller's own words. Anything else of the other tenant's is a leak.
        const body = res.body.replaceAll(url, "");
        const asked = url.includes(other.protocol);
        if (body.includes(other.marker) || (!asked && body.includes(other.protocol))) {
          leaks.push(`${who} ${spec.method} ${url}: ${res.statusCode} ${body.slice(0, 200)}`);
        }
      }
    }
  }
  return leaks;
}

describe("two tenants on one install", () => {
  it("made the second tenant from the São Paulo template, with its own host, prefix and starting rows", async () => {
    assert.notEqual(B.protocol, A.protocol, "one sequence numbers every tenant's demands");
    const [counts] = await runAsTenant(B.tenant, () =>
      db.query<{ services: number; districts: number; calendar: number }>(
        `SELECT (SELECT count(*) FROM services)::int AS services, (SELECT count(*) FROM districts)::int AS districts,
                (SELECT count(*) FROM calendar_settings)::int AS calendar`,
      ),
    );
    assert.ok(counts!.services > 100 && counts!.districts > 90, JSON.stringify(counts));
    assert.equal(counts!.calendar, 1);
  });

  it("walks every route of each tenant with the other's ids and finds nothing of the other", async () => {
    const before = [await fingerprint(A), await fingerprint(B)];
    const leaks = [...(await walk(A, B)), ...(await walk(B, A))];
    assert.deepEqual(leaks, []);
    assert.deepEqual(
      [await fingerprint(A), await fingerprint(B)],
      before,
      "a walk changed the other tenant's rows",
    );
  });

  it("opens nothing of one tenant with the other's sessions and keys", async () => {
    for (const [from, to] of [
      [B, A],
      [A, B],
    ] as const) {
      for (const who of PRINCIPALS) {
        if (who === "nobody" || !has(from, who)) continue;
        const headers = await headersOf(from, who);
        const res = await app.inject({
          url:
            who === "citizen"
              ? "/api/v1/citizen/demands"
              : who === "api-key"
                ? "/api/v1/exports/demands.csv"
                : "/api/v1/demands",
          headers: { ...headers, host: to.host },
        });
        assert.ok(!res.body.includes(from.marker), `${who}: ${res.body.slice(0, 200)}`);
        if (who !== "api-key")
          assert.equal(res.statusCode, 401, `${who} of one tenant signed in to the other`);
        else assert.ok([401, 403].includes(res.statusCode), `another tenant's key opened: ${res.statusCode}`);
      }
    }
  });

  it("serves each tenant's Open311 by its host, and by its jurisdiction_id on a host of none", async () => {
    for (const side of [A, B]) {
      const res = await app.inject({ url: "/open311/v2/requests.json", headers: { host: side.host } });
      assert.equal(res.statusCode, 200, res.body);
      const other = side === A ? B : A;
      assert.ok(!res.body.includes(other.protocol));
    }
    const byJurisdiction = await app.inject({
      url: `/open311/v2/requests.json?jurisdiction_id=b.walk.test`,
      headers: { host: "127.0.0.1" },
    });
    assert.equal(byJurisdiction.statusCode, 200, byJurisdiction.body);
    assert.ok(!byJurisdiction.body.includes(A.protocol));
    const wrong = await app.inject({
      url: "/open311/v2/services.json?jurisdiction_id=b.walk.test",
      headers: { host: A.host },
    });
    assert.equal(wrong.statusCode, 404, "A's host refuses B's jurisdiction");
  });

  it("answers a /t/slug path as that tenant, an unknown slug with 404 and a suspended tenant with 503", async () => {
    const { authorization } = await headersOf(B, "admin");
    const res = await app.inject({
      url: "/t/walk-b/api/v1/demands",
      headers: { authorization: authorization! },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.ok(res.body.includes(B.protocol) && !res.body.includes(A.protocol));
    const unknown = await app.inject({ url: "/t/nowhere/api/v1/services" });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().code, "tenant_not_found", unknown.body);
    await createTenant(db, { slug: "walk-c", name: "Cidade C" });
    await setTenantStatus(db, "walk-c", "suspended", "teste");
    const suspended = await app.inject({ url: "/t/walk-c/api/v1/services" });
    assert.equal(suspended.statusCode, 503, suspended.body);
    assert.equal(suspended.json().code, "tenant_suspended");
    await setTenantStatus(db, "walk-c", "active");
    assert.equal((await app.inject({ url: "/t/walk-c/api/v1/services" })).statusCode, 200);
  });

  it("hands each live stream only its tenant's events", async () => {
    const hub = await startEventHub(db, { safetyPollMs: 50, minIntervalMs: 10 });
    try {
      const got = new Map<number, number[]>([
        [A.tenant, []],
        [B.tenant, []],
      ]);
      for (const side of [A, B]) {
        await runAsTenant(side.tenant, () =>
          hub.subscribe((items) => got.get(side.tenant)!.push(...items.map((i) => i.row.tenant_id))),
        );
      }
      await runAsTenant(B.tenant, () =>
        fileDemand({ app, ctx }, { description: "Evento só de B", headers: { host: B.host } }),
      );
      const deadline = Date.now() + 5000;
      while (got.get(B.tenant)!.length === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 25));
      assert.ok(got.get(B.tenant)!.length > 0, "B's stream got B's event");
      assert.deepEqual(got.get(A.tenant), [], "A's stream got nothing of B");
      assert.ok(got.get(B.tenant)!.every((t) => t === B.tenant));
    } finally {
      await hub.stop();
    }
  });

  it("ran each job as its tenant: every message and work order is its demand's tenant's", async () => {
    const [mixed] = await runAcrossTenants(() =>
      db.query<{ n: number }>(
        `SELECT (SELECT count(*) FROM messages m JOIN demands d ON d.id = m.demand_id WHERE m.tenant_id <> d.tenant_id)
              + (SELECT count(*) FROM work_orders w JOIN demands d ON d.id = w.demand_id WHERE w.tenant_id <> d.tenant_id)
              + (SELECT count(*) FROM demand_events e JOIN demands d ON d.id = e.demand_id WHERE e.tenant_id <> d.tenant_id)
              + (SELECT count(*) FROM deadlines x JOIN demands d ON d.id = x.demand_id WHERE x.tenant_id <> d.tenant_id)
              AS n`,
      ),
    );
    assert.equal(mixed!.n, 0, "a row written for another tenant's demand");
    for (const side of [A, B]) {
      const [row] = await runAsTenant(side.tenant, () =>
        db.query<{ orders: number; messages: number }>(
          `SELECT (SELECT count(*) FROM work_orders w JOIN demands d ON d.id = w.demand_id WHERE d.protocol = $1)::int
                    AS orders,
                  (SELECT count(*) FROM messages m JOIN demands d ON d.id = m.demand_id WHERE d.protocol = $1)::int
                    AS messages`,
          [side.protocol],
        ),
      );
      assert.ok(row!.orders >= 1 && row!.messages >= 1, `${side.marker}: ${JSON.stringify(row)}`);
    }
  });
});
