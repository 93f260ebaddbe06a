import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import pg from "pg";
import { copyAttachments, exportTo } from "../server/backup/export-to.ts";
import { seedDemoCity } from "../server/cli/seed.ts";
import type { AppContext } from "../server/context.ts";
import { connect, type Db } from "../server/db/index.ts";
import { migrate } from "../server/db/migrate.ts";
import { buildApp } from "../server/http/app.ts";
import { localStore } from "../server/storage/local.ts";
import { fileSmallCity } from "./backup-city.ts";
import { startWebProcess, testConfig } from "./helpers.ts";
import { templatePath } from "./template.ts";

// Runs in both suites: the source is always an embedded city, the target a database of this file's own.
const SERVER = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";
const work = mkdtempSync(join(tmpdir(), "responsiva-export-"));
after(() => rmSync(work, { recursive: true, force: true }));

/** The fixture city on PGlite: the prepared template when this tree has one, else migrated and seeded here. */
async function embeddedCity(): Promise<Db> {
  const template = templatePath();
  if (existsSync(template)) return connect({ loadDataDir: new Blob([readFileSync(template)]) });
  const db = await connect({});
  await migrate(db);
  await seedDemoCity(db, { sharedDataDir: testConfig().sharedDataDir, scope: "fixture", accounts: true });
  return db;
}

/** A fresh, empty database on the server, dropped after the file. */
async function freshTarget(suffix: string): Promise<string> {
  const name = `h13_export_${process.pid}_${suffix}`;
  const admin = new pg.Client({ connectionString: withDatabase(SERVER, "postgres") });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  after(async () => {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  });
  return withDatabase(SERVER, name);
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Rows that must arrive, one fingerprint per table (geometries as their exact EWKB). */
const FINGERPRINTS: Record<string, [row: string, order: string]> = {
  demands: ["concat_ws('|', id, protocol, ST_AsEWKB(location)::text, status)", "id"],
  demand_events: ["concat_ws('|', id, demand_id, type, (at AT TIME ZONE 'UTC')::text, data::text)", "id"],
  work_orders: ["concat_ws('|', id, demand_id, department_id, state)", "id"],
  citizens: ["concat_ws('|', id, locale)", "id"],
  staff_users: ["concat_ws('|', id, email, password_hash)", "id"],
  attachments: ["concat_ws('|', id, storage_key, sha256)", "id"],
  districts: ["concat_ws('|', code, ST_AsEWKB(geom)::text)", "code"],
};

async function fingerprints(db: Db): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [table, [each, order]] of Object.entries(FINGERPRINTS)) {
    const [row] = await db.query<{ md5: string; n: number }>(
      `SELECT count(*)::int AS n, md5(string_agg(${each}, ',' ORDER BY ${order})) FROM ${table}`,
    );
    out[table] = row;
  }
  return out;
}

// One small city for the whole file (booting and filling an embedded database is the slow part).
const source = await embeddedCity();
after(() => source.close());
const dataDir = join(work, "embedded");
const ctx: AppContext = { db: source, config: testConfig({ databaseUrl: undefined, dataDir }) };
const app = await buildApp(ctx);
after(() => app.close());
const { protocols, photos } = await fileSmallCity(app, ctx);

describe("export-to: from the embedded database to a PostgreSQL server", () => {
  it("moves every demand, event, work order, citizen, staff member and attachment, with sequences that go on", async () => {
    const [orders] = await source.query<{ n: number }>("SELECT count(*)::int AS n FROM work_orders");
    assert.ok(orders!.n > 0, "the worker dispatched work orders");

    const targetUrl = await freshTarget("a");
    const { counts } = await exportTo(source, targetUrl);
    const [{ n: demands } = { n: 0 }] = await source.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM demands",
    );
    assert.equal(counts.demands, demands);
    const target = await connect({ databaseUrl: targetUrl, poolSize: 2 });
    after(() => target.close());
    const expected = await fingerprints(source);
    assert.ok((expected.demand_events as { n: number }).n > protocols.length);
    assert.deepEqual(await fingerprints(target), expected);

    // The app started on the target serves a demand by protocol, and a new demand gets a new protocol.
    const web = await startWebProcess(targetUrl);
    const shown = await fetch(`${web.url}/api/v1/demands/${protocols[0]}`);
    assert.equal(shown.status, 200);
    assert.equal((await shown.json()).protocol, protocols[0]);
    const [service] = await source.query<{ code: string }>(
      "SELECT code FROM demands d JOIN services s ON s.id = d.service_id ORDER BY d.id LIMIT 1",
    );
    const filed = await fetch(`${web.url}/api/v1/demands`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        service: service!.code,
        description: "Buraco depois da mudança",
        location: { lat: -23.5503, lon: -46.634 },
        citizen: { name: "Depois da Mudança", email: "mudanca@example.org" },
      }),
    });
    assert.equal(filed.status, 201, await filed.clone().text());
    const created = (await filed.json()) as { protocol: string };
    assert.ok(!protocols.includes(created.protocol), created.protocol);
    const [ids] = await target.query<{ fresh: boolean }>(
      "SELECT (SELECT id FROM demands WHERE protocol = $1) > $2::bigint AS fresh",
      [created.protocol, (await source.query<{ m: number }>("SELECT max(id) AS m FROM demands"))[0]!.m],
    );
    assert.equal(ids!.fresh, true);
  });

  it("refuses a target that already holds a city, and replaces it only when forced", async () => {
    const targetUrl = await freshTarget("b");
    await exportTo(source, targetUrl);
    await assert.rejects(exportTo(source, targetUrl), /already holds a city.*--force/);
    await exportTo(source, targetUrl, { force: true });
    const target = await connect({ databaseUrl: targetUrl, poolSize: 2 });
    after(() => target.close());
    assert.deepEqual(await fingerprints(target), await fingerprints(source));
  });

  it("copies the attachment files into another store, checked against their SHA-256", async () => {
    const copied = await copyAttachments(
      source,
      join(dataDir, "attachments"),
      localStore(join(work, "bucket")),
    );
    assert.ok(copied >= photos.size);
    const [key] = await source.query<{ storage_key: string }>(
      "SELECT storage_key FROM attachments ORDER BY id DESC LIMIT 1",
    );
    assert.deepEqual(readFileSync(join(work, "bucket", key!.storage_key)), [...photos.values()].at(-1));
  });
});
