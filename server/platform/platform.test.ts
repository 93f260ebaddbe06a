/**
 * The platform operator's routes: tenants made from a template through the job (at once being prepared, then
 * active, or suspended with the reason), suspended and resumed, given and relieved of host names, every change in
 * the audit log; conflicts and bad templates refused; the routes absent on any other tenant and closed to a city's
 * staff; the role out of reach of a city's administration.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { drain } from "../../tests/factories.ts";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { runAcrossTenants, runAsTenant } from "../tenants/current.ts";
import { provisionTenantJob } from "./jobs.ts";

const { app, ctx } = await testApp();
const { db } = ctx;
const operator = await staffHeaders(db, "platform_operator");
const admin = await staffHeaders(db, "admin");
/** Pinheiros: a subprefeitura of the shared data, whose streets the fixture crosses. */
const PINHEIROS = "11";

interface Tenant {
  id: number;
  slug: string;
  name: string;
  status: string;
  home: boolean;
  hosts: string[];
  jurisdictionId: string | null;
  suspendedReason: string | null;
  counts: { demands: number; staffUsers: number; services: number };
}

/** A call as `who` (the operator unless said), on the home tenant unless a host is given. */
function call(
  method: "GET" | "POST" | "PATCH" | "DELETE",
  url: string,
  payload?: object,
  who: { authorization?: string } = operator,
  host?: string,
) {
  return app.inject({
    method,
    url,
    headers: {
      ...(who.authorization ? { authorization: who.authorization } : {}),
      ...(host ? { host } : {}),
    },
    ...(payload ? { payload } : {}),
  });
}

async function tenants(): Promise<Tenant[]> {
  const res = await call("GET", "/api/v1/platform/tenants");
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

const tenantOf = async (slug: string) => (await tenants()).find((t) => t.slug === slug);

/** Runs the queued provisioning jobs, with the app's configuration unless another is given. */
const provision = (config = ctx.config) => drain({ ...ctx, config }, [provisionTenantJob]);

/** The audit entries of the tenant `slug`, oldest first, as the home tenant keeps them. */
async function auditOf(slug: string): Promise<string[]> {
  const rows = await db.query<{ action: string }>(
    "SELECT action FROM audit_log WHERE entity_type = 'tenant' AND entity_id = $1 ORDER BY id",
    [slug],
  );
  return rows.map((r) => r.action);
}

describe("the platform operator's tenants", () => {
  it("lists every tenant with its hosts and counts, and the templates with São Paulo's subprefeituras", async () => {
    const home = (await tenants()).find((t) => t.home);
    assert.equal(home?.slug, "default");
    assert.equal(home.status, "active");
    assert.ok(home.counts.services > 100 && home.counts.staffUsers >= 2, JSON.stringify(home.counts));
    const res = await call("GET", "/api/v1/platform/templates?lang=en");
    assert.equal(res.statusCode, 200, res.body);
    const templates = res.json() as { template: string; name: string; subprefeituras?: { code: string }[] }[];
    assert.deepEqual(
      templates.map((t) => t.template),
      ["empty", "sao-paulo", "subprefeitura"],
    );
    assert.equal(templates[1]!.name, "São Paulo (demo)");
    assert.ok(templates[2]!.subprefeituras!.some((s) => s.code === PINHEIROS));
    const pt = (await call("GET", "/api/v1/platform/templates?lang=pt-BR")).json();
    assert.equal(pt[0].name, "Vazia");
  });

  it("creates a tenant from the empty template: being prepared at once, active once its job ran", async () => {
    const res = await call("POST", "/api/v1/platform/tenants", {
      slug: "vazia",
      name: "Cidade Vazia",
      template: "empty",
      hosts: ["Vazia.Test"],
      jurisdictionId: "vazia.test",
    });
    assert.equal(res.statusCode, 202, res.body);
    const made = res.json() as Tenant;
    assert.deepEqual(
      { status: made.status, hosts: made.hosts, jurisdiction: made.jurisdictionId, home: made.home },
      { status: "provisioning", hosts: ["vazia.test"], jurisdiction: "vazia.test", home: false },
    );
    // Being prepared, it answers nobody yet.
    const early = await call("GET", "/api/v1/services", undefined, {}, "vazia.test");
    assert.equal(early.statusCode, 503, early.body);
    assert.equal(early.json().code, "tenant_opening");
    await provision();
    const ready = await tenantOf("vazia");
    assert.equal(ready?.status, "active");
    assert.deepEqual(ready.counts, { demands: 0, staffUsers: 0, services: 0 });
    const [starting] = await runAsTenant(made.id, () =>
      db.query<{ calendar: number; rules: number }>(
        `SELECT (SELECT count(*) FROM calendar_settings)::int AS calendar, (SELECT count(*) FROM alarm_rules)::int AS rules`,
      ),
    );
    assert.deepEqual(starting, { calendar: 1, rules: 5 }, "its starting rows, written as itself");
    const served = await call("GET", "/api/v1/services", undefined, {}, "vazia.test");
    assert.equal(served.statusCode, 200, served.body);
    // The job's outcome is the operator's too, after their request.
    assert.deepEqual(await auditOf("vazia"), ["tenant.created", "tenant.provisioned"]);
  });

  it("creates a tenant from a subprefeitura of São Paulo through the job", async () => {
    const res = await call("POST", "/api/v1/platform/tenants", {
      slug: "pinheiros",
      name: "Pinheiros",
      template: `subprefeitura:${PINHEIROS}`,
    });
    assert.equal(res.statusCode, 202, res.body);
    const id = (res.json() as Tenant).id;
    await provision();
    const ready = await tenantOf("pinheiros");
    assert.equal(ready?.status, "active");
    assert.ok(ready.counts.services > 100, "the whole catalogue");
    const [areas] = await runAsTenant(id, () =>
      db.query<{ subs: string[]; staff: number }>(
        `SELECT (SELECT array_agg(code) FROM subprefeituras) AS subs, (SELECT count(*) FROM staff_users)::int AS staff`,
      ),
    );
    assert.deepEqual(areas, { subs: [PINHEIROS], staff: 0 }, "its one subprefeitura, no demo accounts");
    // Reachable by its path prefix, as a tenant without a host of its own.
    assert.equal((await call("GET", "/t/pinheiros/api/v1/services", undefined, {})).statusCode, 200);
  });

  it("suspends, with the reason, a tenant whose template cannot be loaded", async () => {
    const res = await call("POST", "/api/v1/platform/tenants", {
      slug: "sem-dados",
      name: "Sem dados",
      template: "sao-paulo",
    });
    assert.equal(res.statusCode, 202, res.body);
    await provision({ ...ctx.config, sharedDataDir: "/nowhere" });
    const failed = await tenantOf("sem-dados");
    assert.equal(failed?.status, "suspended");
    assert.match(failed.suspendedReason ?? "", /^content failed: .*open data is missing/);
    const [row] = await runAcrossTenants(() =>
      db.query<{ state: string }>(
        "SELECT state FROM outbox WHERE job = 'provision-tenant' AND tenant_id = $1",
        [failed.id],
      ),
    );
    assert.equal(row?.state, "dead", "not tried again: the data will not appear by itself");
    assert.deepEqual(await auditOf("sem-dados"), ["tenant.created", "tenant.provisioning_failed"]);
  });

  it("refuses a taken slug, host or jurisdiction (409) and an unknown template or subprefeitura (422)", async () => {
    const before = (await tenants()).length;
    const refused = async (body: object) => {
      const res = await call("POST", "/api/v1/platform/tenants", {
        slug: "outra",
        name: "Outra",
        template: "empty",
        ...body,
      });
      assert.equal(res.headers["content-type"], "application/problem+json; charset=utf-8");
      const problem = res.json();
      return { status: res.statusCode, code: problem.code, field: problem.errors?.[0]?.field };
    };
    assert.deepEqual(await refused({ slug: "vazia" }), { status: 409, code: "tenant_taken", field: "slug" });
    assert.deepEqual(await refused({ hosts: ["novo.test", "vazia.test"] }), {
      status: 409,
      code: "tenant_taken",
      field: "hosts",
    });
    assert.deepEqual(await refused({ jurisdictionId: "vazia.test" }), {
      status: 409,
      code: "tenant_taken",
      field: "jurisdictionId",
    });
    assert.deepEqual(await refused({ template: "atlantida" }), {
      status: 422,
      code: "unknown_template",
      field: "template",
    });
    assert.deepEqual(await refused({ template: "subprefeitura:99" }), {
      status: 422,
      code: "unknown_subprefeitura",
      field: "template",
    });
    assert.deepEqual(await refused({ slug: "Não Vale" }), {
      status: 400,
      code: "invalid_input",
      field: "slug",
    });
    assert.equal((await tenants()).length, before, "nothing was made");
  });

  it("suspends a tenant with a reason and resumes it; the home tenant and one being prepared stay as they are", async () => {
    const suspended = await call("POST", "/api/v1/platform/tenants/vazia/suspend", {
      reason: "fim do contrato",
    });
    assert.equal(suspended.statusCode, 200, suspended.body);
    assert.equal((suspended.json() as Tenant).status, "suspended");
    assert.equal((suspended.json() as Tenant).suspendedReason, "fim do contrato");
    const closed = await call("GET", "/api/v1/services", undefined, {}, "vazia.test");
    assert.equal(closed.statusCode, 503);
    assert.equal(closed.json().code, "tenant_suspended");
    const resumed = await call("POST", "/api/v1/platform/tenants/vazia/resume");
    assert.equal(resumed.statusCode, 200, resumed.body);
    assert.equal((resumed.json() as Tenant).status, "active");
    assert.equal((resumed.json() as Tenant).suspendedReason, null);
    assert.equal((await call("GET", "/api/v1/services", undefined, {}, "vazia.test")).statusCode, 200);

    const home = await call("POST", "/api/v1/platform/tenants/default/suspend", { reason: "teste" });
    assert.equal(home.statusCode, 422, home.body);
    assert.equal(home.json().code, "home_tenant");
    const noReason = await call("POST", "/api/v1/platform/tenants/vazia/suspend", { reason: " " });
    assert.equal(noReason.statusCode, 400);
    assert.equal(noReason.json().errors[0].field, "reason");
    const unknown = await call("POST", "/api/v1/platform/tenants/nenhuma/suspend", { reason: "x" });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().code, "tenant_not_found");

    await call("POST", "/api/v1/platform/tenants", { slug: "nova", name: "Nova", template: "empty" });
    const early = await call("POST", "/api/v1/platform/tenants/nova/resume");
    assert.equal(early.statusCode, 409, early.body);
    assert.equal(early.json().code, "tenant_provisioning");
    await provision();
    assert.deepEqual(await auditOf("vazia"), [
      "tenant.created",
      "tenant.provisioned",
      "tenant.suspended",
      "tenant.resumed",
    ]);
    const [entry] = await db.query<{ staff_id: number; after: { reason: string } }>(
      "SELECT staff_id, after FROM audit_log WHERE action = 'tenant.suspended' AND entity_id = 'vazia'",
    );
    assert.deepEqual(entry, {
      staff_id: operator.staffId,
      after: { status: "suspended", reason: "fim do contrato" },
    });
  });

  it("gives a tenant a host name and takes it away, each change seen by the next request", async () => {
    const added = await call("POST", "/api/v1/platform/tenants/vazia/hosts", { host: "156.Vazia.Test" });
    assert.equal(added.statusCode, 200, added.body);
    assert.deepEqual((added.json() as Tenant).hosts, ["156.vazia.test", "vazia.test"]);
    const [vazia] = await runAcrossTenants(() =>
      db.query<{ id: number }>("SELECT id FROM tenants WHERE slug = 'vazia'"),
    );
    await runAsTenant(vazia!.id, () =>
      db.query("INSERT INTO departments (code, name) VALUES ('VZ', 'Órgão da Vazia')"),
    );
    const there = await call("GET", "/api/v1/departments", undefined, admin, "156.vazia.test");
    assert.equal(
      there.statusCode,
      401,
      "the host is Vazia's now: the home tenant's session opens nothing there",
    );
    const taken = await call("POST", "/api/v1/platform/tenants/pinheiros/hosts", { host: "156.vazia.test" });
    assert.equal(taken.statusCode, 409, taken.body);
    assert.equal(taken.json().errors[0].field, "host");
    const removed = await call("DELETE", "/api/v1/platform/tenants/vazia/hosts/156.vazia.test");
    assert.equal(removed.statusCode, 200, removed.body);
    assert.deepEqual((removed.json() as Tenant).hosts, ["vazia.test"]);
    const again = await call("DELETE", "/api/v1/platform/tenants/vazia/hosts/156.vazia.test");
    assert.equal(again.statusCode, 404);
    const home = await call("GET", "/api/v1/departments", undefined, admin, "156.vazia.test");
    assert.equal(home.statusCode, 200, "a host of no tenant is the home tenant's again");
    assert.ok(!home.body.includes("Órgão da Vazia"));
    assert.deepEqual((await auditOf("vazia")).slice(-2), ["tenant.host_added", "tenant.host_removed"]);
  });

  it("is not there on any other tenant, and is closed to a city's staff and to nobody", async () => {
    for (const url of ["/api/v1/platform/tenants", "/t/vazia/api/v1/platform/tenants"]) {
      const elsewhere = await call(
        "GET",
        url,
        undefined,
        operator,
        url.startsWith("/t/") ? undefined : "vazia.test",
      );
      assert.equal(elsewhere.statusCode, 404, `${url}: ${elsewhere.body}`);
      assert.equal(elsewhere.json().code, "not_found");
    }
    const change = await call(
      "POST",
      "/api/v1/platform/tenants/pinheiros/suspend",
      { reason: "x" },
      {},
      "vazia.test",
    );
    assert.equal(change.statusCode, 404);
    assert.equal((await call("GET", "/api/v1/platform/tenants", undefined, admin)).statusCode, 403);
    assert.equal(
      (await call("POST", "/api/v1/platform/tenants/vazia/resume", undefined, admin)).statusCode,
      403,
    );
    assert.equal((await call("GET", "/api/v1/platform/templates", undefined, {})).statusCode, 401);
    assert.equal((await tenantOf("pinheiros"))?.status, "active");
    // The operator is not a city's staff.
    assert.equal((await call("GET", "/api/v1/demands", undefined, operator)).statusCode, 403);
    const me = await call("GET", "/api/v1/auth/me", undefined, operator);
    assert.deepEqual(me.json().permissions, [
      "session.read",
      "platform.tenants.read",
      "platform.tenants.manage",
    ]);
  });

  it("keeps the role out of a city's administration, and out of every tenant but the home one", async () => {
    const created = await call(
      "POST",
      "/api/v1/staff",
      {
        email: "quase@prefeitura.example",
        name: "Quase",
        password: "a-long-enough-password",
        role: "platform_operator",
      },
      admin,
    );
    assert.equal(created.statusCode, 422, created.body);
    assert.equal(created.json().code, "platform_operator_role");
    assert.equal(created.json().errors[0].field, "role");
    const agent = await staffHeaders(db, "agent");
    const promoted = await call(
      "PATCH",
      `/api/v1/staff/${agent.staffId}`,
      { role: "platform_operator" },
      admin,
    );
    assert.equal(promoted.statusCode, 422, promoted.body);
    const reset = await call(
      "PATCH" as "POST",
      `/api/v1/staff/${operator.staffId}`,
      { password: "another-long-password" },
      admin,
    );
    assert.equal(reset.statusCode, 422, "the operator's account is the command line's");
    const roles = (await call("GET", "/api/v1/roles", undefined, admin)).json() as { role: string }[];
    assert.ok(roles.length > 0 && roles.every((r) => r.role !== "platform_operator"));
    const [vazia] = await runAcrossTenants(() =>
      db.query<{ id: number }>("SELECT id FROM tenants WHERE slug = 'vazia'"),
    );
    await assert.rejects(
      runAsTenant(vazia!.id, () =>
        db.query(
          "INSERT INTO staff_users (email, name, password_hash, role) VALUES ('op@vazia.test', 'Op', 'x', 'platform_operator')",
        ),
      ),
      /staff_users_platform_operator_home/,
    );
  });
});
