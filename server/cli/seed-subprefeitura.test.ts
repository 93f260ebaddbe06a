/**
 * One subprefeitura of São Paulo seeded as a city of its own, in a second tenant of the same database: its outline,
 * its districts, the streets, blocks and postcodes within it, the city-wide departments plus its own, a matrix that
 * routes only to what it has, São Paulo's catalogue; and the default tenant's São Paulo left exactly as it was.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { testConfig, testDb } from "../../tests/helpers.ts";
import { reverseGeocode } from "../areas/geocoding.ts";
import { serviceCode, sourceRef } from "../catalogue/sp156.ts";
import { one } from "../db/index.ts";
import { resolveDepartment } from "../organisation/queries.ts";
import { runAcrossTenants, runAsTenant } from "../tenants/current.ts";
import { seedDemoCity, subprefeituraCodes, UnknownSubprefeitura } from "./seed.ts";

const db = await testDb();
const sharedDataDir = testConfig().sharedDataDir;
/** Pinheiros: the fixture's example streets (R Augusta, Av Paulista, R Artur Ramos) cross it. */
const CODE = "11";
const POTHOLE = serviceCode(
  sourceRef("Rua e bairro", "Reparos em asfalto, pontes e viadutos", "Tapa-buraco"),
);

const TABLES = [
  "subprefeituras",
  "districts",
  "area_aliases",
  "streets",
  "blocks",
  "postcodes",
  "departments",
  "responsibility_rules",
  "service_groups",
  "services",
  "holidays",
  "answer_templates",
  "staff_users",
];

/** Rows per table of the tenant under way. */
async function counts(): Promise<Record<string, number>> {
  const [row] = await db.query<Record<string, number>>(
    `SELECT ${TABLES.map((t) => `(SELECT count(*)::int FROM ${t}) AS ${t}`).join(", ")}`,
  );
  return row!;
}

/** The codes the rows of `sql` (one text column, `v`) give, sorted. */
async function values(sql: string, params: unknown[] = []): Promise<string[]> {
  return (await db.query<{ v: string }>(sql, params)).map((r) => r.v).sort();
}

const saoPauloBefore = await counts();
const [tenant] = await runAcrossTenants(() =>
  db.query<{ id: number }>("INSERT INTO tenants (slug, name) VALUES ('pinheiros', 'Pinheiros') RETURNING id"),
);
const id = tenant!.id;
await runAsTenant(id, () => db.query("SELECT responsiva_tenant_starting_rows()"));
const seed = () =>
  runAsTenant(id, () =>
    seedDemoCity(db, { sharedDataDir, scope: "fixture", subprefeitura: CODE, accounts: true }),
  );
await seed();
const asCity = <T>(fn: () => Promise<T>) => runAsTenant(id, fn);

describe("a subprefeitura seeded as a city of its own", () => {
  it("holds that subprefeitura alone, with exactly its districts", async () => {
    assert.deepEqual(await asCity(() => values("SELECT code AS v FROM subprefeituras")), [CODE]);
    const file = JSON.parse(
      readFileSync(join(sharedDataDir, "sao-paulo-geo", "sp_distritos.geojson"), "utf8"),
    ) as { features: { properties: { codigo_distrito: string; codigo_subprefeitura: string } }[] };
    const expected = file.features
      .filter((f) => f.properties.codigo_subprefeitura === CODE)
      .map((f) => String(f.properties.codigo_distrito))
      .sort();
    assert.ok(expected.length > 0);
    assert.deepEqual(await asCity(() => values("SELECT code AS v FROM districts")), expected);
    assert.deepEqual(await asCity(() => values("SELECT DISTINCT subprefeitura_code AS v FROM districts")), [
      CODE,
    ]);
    const aliases = await asCity(() =>
      values(
        `SELECT a.alias AS v FROM area_aliases a
          WHERE NOT EXISTS (SELECT 1 FROM districts d WHERE a.kind = 'district' AND d.code = a.code)
            AND NOT EXISTS (SELECT 1 FROM subprefeituras s WHERE a.kind = 'subprefeitura' AND s.code = a.code)`,
      ),
    );
    assert.deepEqual(aliases, [], "no alias names an area the city lacks");
  });

  it("keeps the fixture's streets and blocks that lie in it, and only those", async () => {
    const inside = async () => {
      const [row] = await db.query<{ streets: number; blocks: number }>(
        `SELECT (SELECT count(*)::int FROM streets s WHERE ST_Intersects(s.geom, x.geom)) AS streets,
                (SELECT count(*)::int FROM blocks b WHERE ST_Intersects(ST_PointOnSurface(b.geom), x.geom)) AS blocks
           FROM subprefeituras x WHERE x.code = $1`,
        [CODE],
      );
      return row!;
    };
    const city = await asCity(counts);
    // São Paulo's own copy of the same cut, measured against the same outline.
    const expected = await inside();
    assert.ok(expected.streets > 0 && expected.blocks > 0, "the fixture reaches into the subprefeitura");
    assert.ok(expected.streets < saoPauloBefore.streets!, "and the cut leaves some of the fixture out");
    assert.deepEqual({ streets: city.streets, blocks: city.blocks }, expected);
    assert.deepEqual(await asCity(inside), expected, "everything the city holds lies in it");
  });

  it("keeps the postcodes of its streets: a point on a street gets the same one as in São Paulo", async () => {
    const city = await asCity(counts);
    assert.ok(city.postcodes! > 0 && city.postcodes! < saoPauloBefore.postcodes!);
    const orphans = await asCity(() =>
      values(
        `SELECT p.postcode AS v FROM postcodes p
          WHERE NOT EXISTS (SELECT 1 FROM streets s WHERE s.normalized_name = p.normalized_name)`,
      ),
    );
    assert.deepEqual(orphans, []);
    const points = await asCity(() =>
      db.query<{ lat: number; lon: number }>(
        `SELECT ST_Y(p) AS lat, ST_X(p) AS lon
           FROM (SELECT ST_LineInterpolatePoint(geom, 0.5) AS p FROM streets ORDER BY id LIMIT 25) s`,
      ),
    );
    let withPostcode = 0;
    for (const point of points) {
      const there = await asCity(() => reverseGeocode(db, point));
      const inSaoPaulo = await reverseGeocode(db, point);
      assert.equal(there?.street, inSaoPaulo?.street, JSON.stringify(point));
      assert.equal(there?.postcode, inSaoPaulo?.postcode, JSON.stringify(point));
      if (there?.postcode) withPostcode++;
    }
    assert.ok(withPostcode > 0, "some of those points have a postcode to compare");
  });

  it("has the city-wide departments and its own subprefeitura's, no other", async () => {
    const departments = "SELECT code AS v FROM departments WHERE kind <> 'subprefeitura'";
    assert.deepEqual(await asCity(() => values(departments)), await values(departments));
    assert.deepEqual(
      await asCity(() => values("SELECT code AS v FROM departments WHERE kind = 'subprefeitura'")),
      [`SUB-${CODE}`],
    );
    assert.deepEqual(
      await asCity(() =>
        values("SELECT DISTINCT subprefeitura_code AS v FROM departments WHERE kind = 'subprefeitura'"),
      ),
      [CODE],
    );
  });

  it("has a matrix whose every rule names a department and an area of the city, learned as São Paulo's", async () => {
    const dangling = await asCity(() =>
      values(
        `SELECT r.id::text AS v FROM responsibility_rules r
          WHERE NOT EXISTS (SELECT 1 FROM departments d WHERE d.id = r.department_id)
             OR (r.service_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM services s WHERE s.id = r.service_id))
             OR (r.area_kind = 'subprefeitura'
                 AND NOT EXISTS (SELECT 1 FROM subprefeituras x WHERE x.code = r.area_code))
             OR (r.area_kind = 'district' AND NOT EXISTS (SELECT 1 FROM districts x WHERE x.code = r.area_code))`,
      ),
    );
    assert.deepEqual(dangling, []);
    // The same rules São Paulo has for the whole city and for this subprefeitura, by service and department code.
    const rules = (where: string) =>
      values(
        `SELECT concat_ws(' ', coalesce(s.source_ref, '*'), r.area_kind, r.area_code, d.code, r.to_subprefeitura) AS v
           FROM responsibility_rules r JOIN departments d ON d.id = r.department_id
           LEFT JOIN services s ON s.id = r.service_id WHERE ${where}`,
        [CODE],
      );
    const mine = "r.area_kind = 'city' OR r.area_code = $1";
    const city = await asCity(() => rules(mine));
    assert.ok(city.length > 100, `only ${city.length} rules`);
    assert.deepEqual(city, await rules(mine));
    assert.deepEqual(
      await asCity(() => rules("r.area_code IS DISTINCT FROM $1 AND r.area_kind <> 'city'")),
      [],
    );
  });

  it("sends a pothole in one of its districts to its own subprefeitura", async () => {
    const resolved = await asCity(async () => {
      const district = await one<{ code: string }>(db, "SELECT code FROM districts ORDER BY code LIMIT 1");
      const service = await one<{ id: number }>(db, "SELECT id FROM services WHERE code = $1", [POTHOLE]);
      const found = await resolveDepartment(db, { serviceId: service.id, districtCode: district.code });
      return one<{ code: string }>(db, "SELECT code FROM departments WHERE id = $1", [
        found?.departmentId ?? 0,
      ]);
    });
    assert.equal(resolved.code, `SUB-${CODE}`);
  });

  it("has São Paulo's catalogue, holidays and answer templates, and demo accounts in its departments", async () => {
    const city = await asCity(counts);
    for (const table of ["service_groups", "services", "holidays", "answer_templates"]) {
      assert.ok(city[table]! > 0, table);
      assert.equal(city[table], saoPauloBefore[table], table);
    }
    const services = "SELECT source_ref AS v FROM services";
    assert.deepEqual(await asCity(() => values(services)), await values(services));
    const accounts = await asCity(() =>
      db.query<{ email: string; department: string | null; needs: boolean }>(
        `SELECT u.email, d.code AS department, u.department_id IS NOT NULL AS needs
           FROM staff_users u LEFT JOIN departments d ON d.id = u.department_id`,
      ),
    );
    assert.equal(accounts.length, 8);
    for (const account of accounts) assert.ok(!account.needs || account.department, account.email);
  });

  it("seeds again without a change, and leaves São Paulo in the default tenant as it was", async () => {
    const city = await asCity(counts);
    await seed();
    assert.deepEqual(await asCity(counts), city);
    assert.deepEqual(await counts(), saoPauloBefore);
    assert.equal(saoPauloBefore.subprefeituras, 32);
  });
});

describe("an unknown subprefeitura", () => {
  it("lists the subprefeituras' codes as the seed stores them", () => {
    const codes = subprefeituraCodes(sharedDataDir);
    assert.equal(codes.length, 32);
    assert.ok(codes.includes("09") && codes.includes(CODE));
  });

  it("is refused before anything is written, the message listing the valid codes", async () => {
    const [other] = await runAcrossTenants(() =>
      db.query<{ id: number }>("INSERT INTO tenants (slug, name) VALUES ('nowhere', 'Nowhere') RETURNING id"),
    );
    const asOther = <T>(fn: () => Promise<T>) => runAsTenant(other!.id, fn);
    await asOther(() => db.query("SELECT responsiva_tenant_starting_rows()"));
    const before = await asOther(counts);
    const seeding = asOther(() =>
      seedDemoCity(db, { sharedDataDir, scope: "fixture", subprefeitura: "11x", accounts: true }),
    );
    await assert.rejects(seeding, (error: Error) => {
      assert.ok(error instanceof UnknownSubprefeitura);
      assert.match(error.message, /no subprefeitura with code "11x"/);
      assert.match(error.message, /\n {2}09 {2}SE\n/);
      assert.match(error.message, /\n {2}11 {2}PINHEIROS\n/);
      return true;
    });
    assert.deepEqual(await asOther(counts), before);
    assert.equal(before.subprefeituras! + before.services! + before.departments!, 0, "an empty tenant");
  });
});
