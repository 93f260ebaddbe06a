import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import pg from "pg";
import { createBackup, requestBackup, startBackupSocket } from "../server/backup/backup.ts";
import { embeddedDatabaseState } from "../server/backup/inventory.ts";
import { restoreBackup } from "../server/backup/restore.ts";
import { connect, type Db } from "../server/db/index.ts";
import { fileSmallCity } from "./backup-city.ts";
import { testApp } from "./helpers.ts";

const SERVER = Boolean(process.env.DATABASE_URL);
const work = mkdtempSync(join(tmpdir(), "responsiva-backup-"));
after(() => rmSync(work, { recursive: true, force: true }));

/** What a restore must give back: per demand, its events, and its attachments with their bytes. */
async function demandsWithTimeline(db: Db) {
  return db.query<{ protocol: string; events: number; keys: string[] | null }>(
    `SELECT d.protocol,
            (SELECT count(*)::int FROM demand_events e WHERE e.demand_id = d.id) AS events,
            (SELECT array_agg(a.storage_key ORDER BY a.id) FROM attachments a WHERE a.demand_id = d.id) AS keys
       FROM demands d ORDER BY d.protocol`,
  );
}

describe("backup and restore of the embedded database", {
  skip: SERVER && "the embedded path runs on PGlite",
}, () => {
  it("restores into a fresh data directory every demand, timeline event and attachment, bytes equal", async () => {
    const live = join(work, "live");
    const { app, ctx } = await testApp({ dataDir: live });
    const { protocols, photos } = await fileSmallCity(app, ctx);
    const before = await demandsWithTimeline(ctx.db);
    assert.ok(
      before.some((d) => d.events > 1),
      "the worker wrote timeline events",
    );

    // Through the running app, as `npm run backup` does, while a citizen keeps filing: nobody waits long.
    const stop = await startBackupSocket(ctx.db, { dataDir: live });
    after(stop);
    assert.equal(await embeddedDatabaseState(live), "running");
    const out = join(work, "city.tar");
    const [manifest] = await Promise.all([requestBackup(live, out), fileSmallCity(app, ctx, 1)]);
    assert.equal(manifest.appVersion, JSON.parse(readFileSync("package.json", "utf8")).version);
    assert.ok(manifest.attachments.files.length >= photos.size, "every photo is in the archive");
    assert.ok(manifest.migrations.length > 30);
    // A plain tar: an operator can look inside without this program.
    const listed = execFileSync("tar", ["tf", out]).toString().trim().split("\n");
    assert.deepEqual(listed.slice(0, 1), ["database.tar.gz"]);
    assert.equal(listed.at(-1), "manifest.json");

    const fresh = join(work, "fresh");
    const result = await restoreBackup(out, fresh);
    assert.equal(result.replacedTo, undefined);
    const restored = await connect({ dataDir: join(fresh, "pglite") });
    try {
      const after = await demandsWithTimeline(restored);
      // The backup is one instant: the demand filed alongside is either wholly in it or not at all.
      assert.equal(after.length, manifest.counts.demands);
      const byProtocol = new Map(after.map((d) => [d.protocol, d]));
      for (const d of before) assert.deepEqual(byProtocol.get(d.protocol), d, d.protocol);
      for (const protocol of protocols) assert.ok(byProtocol.has(protocol), protocol);
      for (const [protocol, photo] of photos) {
        const [key] = byProtocol.get(protocol)!.keys!;
        assert.deepEqual(readFileSync(join(fresh, "attachments", key!)), photo, protocol);
      }
    } finally {
      await restored.close();
    }
  });

  it("refuses to restore over a database unless forced, and then keeps the old one aside", async () => {
    const fresh = join(work, "fresh");
    await assert.rejects(restoreBackup(join(work, "city.tar"), fresh), /already holds a database.*--force/);
    const result = await restoreBackup(join(work, "city.tar"), fresh, { force: true });
    assert.ok(result.replacedTo && existsSync(join(result.replacedTo, "PG_VERSION")), result.replacedTo);
    assert.ok(existsSync(join(fresh, "pglite", "PG_VERSION")));
  });

  it("changes nothing when an attachment in the archive is damaged", async () => {
    const archive = readFileSync(join(work, "city.tar"));
    const index = archive.indexOf("attachments/");
    assert.ok(index > 0, "the archive holds attachments");
    // The first byte of the first attachment's content, one header block after its name.
    archive[index + 512] = (archive[index + 512]! + 1) % 256;
    writeFileSync(join(work, "damaged.tar"), archive);
    const target = join(work, "untouched");
    await assert.rejects(restoreBackup(join(work, "damaged.tar"), target), /does not match its checksum/);
    assert.ok(!existsSync(join(target, "pglite")) || readdirSync(join(target, "pglite")).length === 0);
    assert.ok(!existsSync(join(target, "attachments")));
  });

  it("backs up an app that is stopped by opening its data directory", async () => {
    const dir = join(work, "fresh");
    assert.equal(await embeddedDatabaseState(dir), "closed");
    const db = await connect({ dataDir: join(dir, "pglite") });
    const manifest = await createBackup(db, { dataDir: dir, out: join(work, "stopped.tar") }).finally(() =>
      db.close(),
    );
    assert.ok((manifest.counts.demands ?? 0) > 0);
    assert.equal(manifest.attachments.missing.length, 0);
  });
});

describe("the server's backup: pg_dump and pg_restore", { skip: !SERVER && "needs DATABASE_URL" }, () => {
  it("restores a custom-format dump into a fresh database with PostGIS and every demand", async () => {
    const { app, ctx } = await testApp({ dataDir: join(work, "server") });
    await fileSmallCity(app, ctx);
    const source = await sourceUrl(ctx.db);
    const dump = join(work, "city.dump");
    execFileSync("pg_dump", ["-Fc", "-f", dump, source]);
    const target = new URL(source);
    target.pathname = `/h13_restore_${process.pid}`;
    const admin = new URL(source);
    admin.pathname = "/postgres";
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    await client.query(`CREATE DATABASE "h13_restore_${process.pid}"`);
    after(async () => {
      await client.query(`DROP DATABASE IF EXISTS "h13_restore_${process.pid}" WITH (FORCE)`);
      await client.end();
    });
    execFileSync("pg_restore", ["--no-owner", "--exit-on-error", "-d", target.toString(), dump]);
    const restored = await connect({ databaseUrl: target.toString(), poolSize: 2 });
    try {
      const query = `SELECT protocol, ST_AsEWKT(location) AS place FROM demands ORDER BY protocol`;
      assert.deepEqual(await restored.query(query), await ctx.db.query(query));
      assert.deepEqual(await demandsWithTimeline(restored), await demandsWithTimeline(ctx.db));
    } finally {
      await restored.close();
    }
  });
});

/** The URL of the test's own server database (its name is the current database). */
async function sourceUrl(db: Db): Promise<string> {
  const [row] = await db.query<{ name: string }>("SELECT current_database() AS name");
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${row!.name}`;
  return url.toString();
}
