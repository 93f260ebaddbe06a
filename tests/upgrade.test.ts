/**
 * An upgrade from the previous release: a database made by Responsiva 0.1.0 (tests/fixtures/upgrade/v0.1.0.sql,
 * made by generate.sh beside it with 0.1.0's own code) is restored into a fresh database, today's migrate() brings it
 * up to date, and its demands, timeline, work orders and attachments are still there and read through the API.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import pg from "pg";
import type { AppContext } from "../server/context.ts";
import { connect, type Db } from "../server/db/index.ts";
import { migrate, readMigrations } from "../server/db/migrate.ts";
import { buildApp } from "../server/http/app.ts";
import { freshDatabaseUrl } from "./fresh-database.ts";
import { staffHeaders, testConfig } from "./helpers.ts";

const DUMP = readFileSync(join(import.meta.dirname, "fixtures/upgrade/v0.1.0.sql"), "utf8");
// The migrations 0.1.0 had: read from its own ledger in the dump, not assumed.
const OLD_VERSIONS = [...DUMP.matchAll(/^INSERT INTO public\.schema_migrations VALUES \('(\d{4})'/gm)].map(
  (m) => m[1],
);

/** Restores the dump into a fresh database of the engine under test and opens it. */
async function restoreRelease(): Promise<Db> {
  if (process.env.DATABASE_URL) {
    const url = await freshDatabaseUrl("h13_upgrade");
    // On a connection of its own: the dump empties the search_path of the session it runs in.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(DUMP);
    await client.end();
    return connect({ databaseUrl: url, poolSize: 4 });
  }
  const db = await connect({});
  await db.exec(DUMP);
  await db.exec("RESET search_path");
  return db;
}

const COUNTS = `SELECT (SELECT count(*) FROM demands)::int AS demands,
                       (SELECT count(*) FROM demand_events)::int AS events,
                       (SELECT count(*) FROM work_orders)::int AS work_orders,
                       (SELECT count(*) FROM attachments)::int AS attachments`;

const db = await restoreRelease();
after(() => db.close());

describe("upgrading a 0.1.0 database", () => {
  it("applies only the migrations 0.1.0 lacked, and keeps every demand, event, work order and attachment", async () => {
    assert.ok(OLD_VERSIONS.length >= 30, "the dump carries 0.1.0's ledger");
    const before = (await db.query(COUNTS))[0];
    assert.deepEqual(before, { demands: 3, events: 13, work_orders: 3, attachments: 1 });
    const applied = await migrate(db);
    const all = readMigrations().map((m) => m.version);
    assert.deepEqual(
      applied,
      all.filter((v) => !OLD_VERSIONS.includes(v)),
    );
    assert.ok(applied.length > 0, "this release has migrations 0.1.0 lacked");
    assert.deepEqual((await db.query(COUNTS))[0], before);
    assert.deepEqual(await migrate(db), [], "a second start applies nothing");
  });

  it("reads the old demands through today's API, with their timeline, attachment and work orders", async () => {
    const ctx: AppContext = { db, config: testConfig() };
    const app = await buildApp(ctx);
    after(() => app.close());
    const protocols = (await db.query<{ protocol: string }>("SELECT protocol FROM demands ORDER BY id")).map(
      (r) => r.protocol,
    );
    const open = await app.inject({ method: "GET", url: `/api/v1/demands/${protocols[0]}` });
    assert.equal(open.statusCode, 200, open.body);
    assert.equal(open.json().protocol, protocols[0]);
    const { authorization } = await staffHeaders(db, "admin");
    const full = await app.inject({
      method: "GET",
      url: `/api/v1/demands/${protocols[0]}`,
      headers: { authorization },
    });
    assert.equal(full.statusCode, 200, full.body);
    const body = full.json() as { timeline: unknown[]; attachments: unknown[] };
    assert.ok(body.timeline.length >= 2, full.body);
    assert.equal(body.attachments.length, 1, full.body);
    const orders = await app.inject({
      method: "GET",
      url: "/api/v1/work-orders",
      headers: { authorization },
    });
    assert.equal(orders.statusCode, 200, orders.body);
    for (const protocol of protocols)
      assert.ok(orders.body.includes(protocol), `${protocol} in the work orders`);
  });
});
