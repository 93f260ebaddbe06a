import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { freshDatabaseUrl } from "../../tests/fresh-database.ts";
import { connect, type Db } from "./index.ts";
import { MigrationRefused, migrate, readMigrations } from "./migrate.ts";

const onServer = Boolean(process.env.DATABASE_URL);

// One database for the file, opened at the top so it lives until the file ends (PGlite takes seconds to start): a new
// PostgreSQL database, or an in-memory PGlite. Each test first drops what the previous one made.
const shared = onServer
  ? await connect({ databaseUrl: await freshDatabaseUrl("h13_migrate"), poolSize: 4 })
  : await connect({});
after(() => shared.close());

async function emptyDb(): Promise<Db> {
  await shared.exec("DROP TABLE IF EXISTS schema_migrations, notes, later, half CASCADE");
  return shared;
}

/** A folder of small migrations, so the ledger's rules are tested without the whole schema. */
function migrationsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "responsiva-migrations-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

const FIRST = {
  "0001_notes.sql": "CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL);",
  "0002_note_authors.sql": "ALTER TABLE notes ADD COLUMN author text;",
};

const raceUrl = onServer ? await freshDatabaseUrl("h13_migrate_race") : undefined;

describe("migrate", () => {
  it("applies each file once, records its checksum, and applies only the new ones on the next start", async () => {
    const db = await emptyDb();
    const dir = migrationsDir(FIRST);
    assert.deepEqual(await migrate(db, dir), ["0001", "0002"]);
    assert.deepEqual(await migrate(db, dir), [], "nothing twice");
    writeFileSync(join(dir, "0003_note_dates.sql"), "ALTER TABLE notes ADD COLUMN written_at timestamptz;");
    assert.deepEqual(await migrate(db, dir), ["0003"]);
    const ledger = await db.query<{ version: string; checksum: string }>(
      "SELECT version, checksum FROM schema_migrations ORDER BY version",
    );
    assert.deepEqual(
      ledger,
      readMigrations(dir).map((m) => ({ version: m.version, checksum: m.checksum })),
    );
  });

  it("refuses to start when an applied file was changed, naming the file", async () => {
    const db = await emptyDb();
    const dir = migrationsDir(FIRST);
    await migrate(db, dir);
    writeFileSync(join(dir, "0002_note_authors.sql"), "ALTER TABLE notes ADD COLUMN author_name text;");
    writeFileSync(join(dir, "0003_later.sql"), "CREATE TABLE later (id int);");
    await assert.rejects(
      migrate(db, dir),
      (error: Error) =>
        error instanceof MigrationRefused &&
        /0002_note_authors\.sql was changed after it was applied/.test(error.message),
    );
    const later = await db.query("SELECT 1 FROM schema_migrations WHERE version = '0003'");
    assert.equal(later.length, 0, "nothing after the refusal ran");
  });

  it("refuses a database already migrated by a newer version", async () => {
    const db = await emptyDb();
    const dir = migrationsDir(FIRST);
    await migrate(db, dir);
    rmSync(join(dir, "0002_note_authors.sql"));
    await assert.rejects(
      migrate(db, dir),
      /0002_note_authors is applied in the database but is not in this version/,
    );
  });

  it("rolls back a failing file whole and records nothing for it", async () => {
    const db = await emptyDb();
    const dir = migrationsDir({
      ...FIRST,
      "0003_broken.sql": "CREATE TABLE half (id int); SELECT no_such_function();",
    });
    await assert.rejects(migrate(db, dir), /no_such_function/);
    const half = await db.query("SELECT 1 FROM pg_tables WHERE tablename = 'half'");
    assert.equal(half.length, 0);
    const versions = await db.query<{ version: string }>("SELECT version FROM schema_migrations ORDER BY 1");
    assert.deepEqual(
      versions.map((r) => r.version),
      ["0001", "0002"],
    );
  });

  it("migrates once when four processes start at once on one fresh server database", {
    skip: !onServer && "PostgreSQL only: the embedded database belongs to one process",
  }, async () => {
    const url = raceUrl!;
    // Four pools, as four processes would have: each its own connections, racing from an empty database.
    const dbs = await Promise.all([1, 2, 3, 4].map(() => connect({ databaseUrl: url, poolSize: 3 })));
    after(() => Promise.all(dbs.map((db) => db.close())));
    const results = await Promise.all(dbs.map((db) => migrate(db)));
    const all = readMigrations().map((m) => m.version);
    assert.deepEqual(results.flat().sort(), all, "every migration applied by exactly one of them");
    const ledger = await dbs[0]!.query<{ n: number; distinct_versions: number }>(
      "SELECT count(*)::int AS n, count(DISTINCT version)::int AS distinct_versions FROM schema_migrations",
    );
    assert.deepEqual(ledger[0], { n: all.length, distinct_versions: all.length });
    assert.deepEqual(await Promise.all(dbs.map((db) => migrate(db))), [[], [], [], []]);
  });
});
