/**
 * Tenancy is enforced in one place (decision 0059): every table but the install's own has a tenant column and the
 * one row-level security policy, and the application's statements run as a role that the policy binds. This file
 * fails for a table a migration added without `responsiva_tenant_table`, and shows the policy at work.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isUniqueViolation } from "../server/db/index.ts";
import { TENANT_ROLE } from "../server/db/tenancy.ts";
import { runAcrossTenants, runAsTenant } from "../server/tenants/current.ts";
import { testDb } from "./helpers.ts";

const db = await testDb();

/** The install's own tables: not a tenant's. */
const INSTALL_TABLES = [
  "api_usage",
  "process_heartbeats",
  "schema_migrations",
  "spatial_ref_sys",
  "tenant_hosts",
  "tenants",
];
/** A small square, for the areas a test tenant needs. */
const SQUARE = "SRID=4326;MULTIPOLYGON(((-46.6 -23.6,-46.6 -23.5,-46.5 -23.5,-46.5 -23.6,-46.6 -23.6)))";
const POLICY = "(tenant_id = ( SELECT responsiva_tenant() AS responsiva_tenant))";

/** A second tenant for the file (made as the operator does: across tenants). */
async function secondTenant(slug: string): Promise<number> {
  const [row] = await runAcrossTenants(() =>
    db.query<{ id: number }>("INSERT INTO tenants (slug, name) VALUES ($1, $2) RETURNING id", [slug, slug]),
  );
  return row!.id;
}

describe("tenancy", () => {
  it("gives every table but the install's own a tenant column, row-level security and the one policy", async () => {
    const tables = await runAcrossTenants(() =>
      db.query<{
        name: string;
        rls: boolean;
        column_default: string | null;
        nullable: string | null;
        using: string | null;
        check: string | null;
      }>(
        `SELECT c.relname AS name, c.relrowsecurity AS rls, col.column_default, col.is_nullable AS nullable,
                p.qual AS using, p.with_check AS check
           FROM pg_class c
           LEFT JOIN information_schema.columns col
             ON col.table_schema = 'public' AND col.table_name = c.relname AND col.column_name = 'tenant_id'
           LEFT JOIN pg_policies p
             ON p.schemaname = 'public' AND p.tablename = c.relname AND p.policyname = 'tenant_isolation'
          WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
          ORDER BY c.relname`,
      ),
    );
    const missing = tables
      .filter((t) => !INSTALL_TABLES.includes(t.name))
      .filter(
        (t) =>
          !t.rls ||
          t.column_default !== "responsiva_default_tenant()" ||
          t.nullable !== "NO" ||
          t.using !== POLICY ||
          t.check !== POLICY,
      )
      .map((t) => t.name);
    assert.deepEqual(
      missing,
      [],
      "tables without tenancy: call responsiva_tenant_table() in their migration",
    );
    assert.ok(tables.length > 80, `only ${tables.length} tables seen`);
    // No view or SECURITY DEFINER function of ours could read around the policy, but responsiva_set_branding, which
    // writes only the transaction's tenant's row of tenants (migration 0067; checked below).
    const around = await db.query<{ name: string }>(
      `SELECT viewname AS name FROM pg_views WHERE schemaname = 'public'
          AND viewname NOT IN ('geography_columns', 'geometry_columns')
       UNION ALL
       SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND p.prosecdef
          AND p.proname NOT IN ('st_estimatedextent', 'responsiva_set_branding')`,
    );
    assert.deepEqual(around, []);
  });

  it("lets a tenant write its own branding and no other's, and nothing across tenants", async () => {
    const one = await secondTenant("branding-one");
    const two = await secondTenant("branding-two");
    await runAsTenant(one, () => db.query(`SELECT responsiva_set_branding('{"name": "Um"}'::jsonb)`));
    const across = await runAcrossTenants(() =>
      db.query<{ b: unknown }>(`SELECT responsiva_set_branding('{"name": "X"}'::jsonb) AS b`),
    );
    assert.equal(across[0]?.b, null);
    const rows = await runAcrossTenants(() =>
      db.query<{ id: number; branding: { name?: string } }>(
        "SELECT id, branding FROM tenants WHERE id = ANY($1) ORDER BY id",
        [[one, two]],
      ),
    );
    assert.deepEqual(
      rows.map((r) => r.branding.name ?? null),
      ["Um", null],
    );
  });

  it("runs the application as a role the policy binds, and the migrations as the owner", async () => {
    const [app] = await db.query<{ who: string; bypass: boolean; superuser: boolean }>(
      `SELECT current_user AS who, r.rolbypassrls AS bypass, r.rolsuper AS superuser
         FROM pg_roles r WHERE r.rolname = current_user`,
    );
    assert.deepEqual(app, { who: TENANT_ROLE, bypass: false, superuser: false });
    const [owner] = await runAcrossTenants(() => db.query<{ who: string }>("SELECT current_user AS who"));
    assert.notEqual(owner!.who, TENANT_ROLE);
    // The application cannot make or change tenants; only the platform's work across tenants can.
    await assert.rejects(
      db.query("INSERT INTO tenants (slug, name) VALUES ('sneaky', 'Sneaky')"),
      /permission denied/,
    );
    await assert.rejects(db.query("UPDATE tenants SET status = 'suspended'"), /permission denied/);
  });

  it("keeps each tenant's rows out of the other's statements, reads and writes, in and out of transactions", async () => {
    const other = await secondTenant("tenancy-other");
    // The same natural key in both tenants: keys are unique per tenant.
    const [sub] = await db.query<{ code: string }>("SELECT code FROM subprefeituras ORDER BY code LIMIT 1");
    await runAsTenant(other, () =>
      db.transaction(async (tx) => {
        await tx.query("INSERT INTO subprefeituras (code, name, geom) VALUES ($1, 'Outra', $2)", [
          sub!.code,
          SQUARE,
        ]);
        await tx.query(
          "INSERT INTO districts (code, name, subprefeitura_code, geom) VALUES ('ZZ', 'Distrito da outra', $1, $2)",
          [sub!.code, SQUARE],
        );
      }),
    );
    const seen = await runAsTenant(other, () =>
      db.query<{ code: string; tenant_id: number }>("SELECT code, tenant_id FROM districts ORDER BY code"),
    );
    assert.deepEqual(seen, [{ code: "ZZ", tenant_id: other }]);
    const defaults = await db.query<{ code: string }>("SELECT code FROM districts WHERE code = 'ZZ'");
    assert.deepEqual(defaults, [], "the default tenant never sees the other's district");
    const [{ n }] = (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM districts")) as [
      { n: number },
    ];
    assert.ok(n > 1);
    // Updates and deletes of the other tenant's rows touch nothing; a row written for another tenant is refused.
    const changed = await db.query("UPDATE districts SET name = 'x' WHERE code = 'ZZ' RETURNING code");
    assert.deepEqual(changed, []);
    await assert.rejects(
      runAsTenant(other, () =>
        db.query(
          `INSERT INTO holidays (tenant_id, scope, name, on_date)
           VALUES (1, 'municipal', '{"pt-BR": "x"}', '2030-01-02')`,
        ),
      ),
      /row-level security/,
    );
    // Within a tenant, a key is still unique.
    await assert.rejects(
      runAsTenant(other, () =>
        db.query("INSERT INTO subprefeituras (code, name, geom) VALUES ($1, 'De novo', $2)", [
          sub!.code,
          SQUARE,
        ]),
      ),
      (error) => isUniqueViolation(error, "subprefeituras_pkey"),
    );
    // Work across tenants sees both.
    const both = await runAcrossTenants(() =>
      db.query<{ tenant_id: number }>(
        "SELECT DISTINCT tenant_id FROM subprefeituras WHERE code = $1 ORDER BY tenant_id",
        [sub!.code],
      ),
    );
    assert.deepEqual(
      both.map((r) => r.tenant_id),
      [1, other],
    );
  });

  it("lets a spatial filter use its index under the policy (migration 0065: the predicates are LEAKPROOF)", async () => {
    const plan = await db.query<Record<string, string>>(
      `EXPLAIN SELECT id FROM blocks WHERE ST_Intersects(geom, ST_SetSRID(ST_MakePoint(-46.634, -23.55), 4326))`,
    );
    const text = plan.map((r) => Object.values(r)[0]).join("\n");
    assert.match(text, /blocks_geom_idx/, text);
    const box = await db.query<Record<string, string>>(
      "EXPLAIN SELECT id FROM demands WHERE location && ST_MakeEnvelope(-46.64, -23.56, -46.63, -23.55, 4326)",
    );
    assert.match(box.map((r) => Object.values(r)[0]).join("\n"), /demands_location_idx/);
  });

  it("switches the tenant between statements of one connection, and a rolled-back transaction leaves no setting", async () => {
    const other = await secondTenant("tenancy-switch");
    const tenantNow = () => db.query<{ t: number | null }>("SELECT responsiva_tenant() AS t");
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(await tenantNow(), [{ t: 1 }]);
      assert.deepEqual(await runAsTenant(other, tenantNow), [{ t: other }]);
    }
    await assert.rejects(
      runAsTenant(other, () =>
        db.transaction(async (tx) => {
          await tx.query("SELECT 1");
          throw new Error("rolled back");
        }),
      ),
      /rolled back/,
    );
    assert.deepEqual(await tenantNow(), [{ t: 1 }]);
    assert.deepEqual(await runAsTenant(other, tenantNow), [{ t: other }]);
    const [who] = await db.query<{ who: string }>("SELECT current_user AS who");
    assert.equal(who!.who, TENANT_ROLE);
  });
});
