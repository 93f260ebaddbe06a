/**
 * Applies the numbered plain-SQL files of `migrations/` in order, each in its own transaction, and records each in
 * the `schema_migrations` ledger with a checksum. Migrations are forward-only: a file changed after it was applied,
 * or a ledger naming a migration this version does not have (a database already upgraded by a newer release), stops
 * the process with a message saying so, instead of running on a schema the code does not know.
 *
 * Several processes may start at once on one PostgreSQL server (web, worker and scheduler units, or replicas): each
 * migration's transaction first takes a transaction-level advisory lock and checks the ledger again under it, so
 * every file is applied exactly once and the others wait, then skip it. A transaction-level lock is used because the
 * pool hands each statement any connection: a session lock taken by one statement could be released by nobody.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runAcrossTenants } from "../tenants/current.ts";
import { type Db, maybeOne, type Sql } from "./index.ts";
import { TENANCY_READY_SQL, tenancyIsReady } from "./tenancy.ts";

/** The folder holding the migration files. */
export const MIGRATIONS_DIR = fileURLToPath(new URL("../../migrations/", import.meta.url));

const LOCK_KEY = 5_156_311; // any constant: the advisory lock id shared by every Responsiva process

interface Migration {
  version: string;
  name: string;
  sql: string;
  checksum: string;
}

/** Why the database cannot be brought to this version: the process must not start on it. */
export class MigrationRefused extends Error {
  override name = "MigrationRefused";
}

/** Reads the migration files, sorted by their number. */
export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => {
      const sql = readFileSync(join(dir, file), "utf8");
      return {
        version: file.slice(0, 4),
        name: file.slice(5, -4),
        sql,
        checksum: createHash("sha256").update(sql).digest("hex"),
      };
    });
}

function join(dir: string, file: string): string {
  return dir.endsWith("/") ? dir + file : `${dir}/${file}`;
}

const LEDGER = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version text PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL, -- sha256 of the file as applied: a later edit is refused
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/** Brings the database up to the newest migration; returns the versions this call applied. */
export async function migrate(db: Db, dir = MIGRATIONS_DIR): Promise<string[]> {
  // Migrations are the install's own work, as the owner of the tables: across tenants.
  const applied = await runAcrossTenants(() => migrateAll(db, dir));
  // From migration 0064 on, the application's statements run as the tenant role (./tenancy.ts).
  const [ready] = await runAcrossTenants(() => db.query<{ ready: boolean }>(TENANCY_READY_SQL));
  if (ready?.ready) tenancyIsReady(db);
  return applied;
}

async function migrateAll(db: Db, dir: string): Promise<string[]> {
  const migrations = readMigrations(dir);
  const lock = async (tx: Sql) => {
    if (db.kind === "postgres") await tx.query("SELECT pg_advisory_xact_lock($1)", [LOCK_KEY]);
  };
  // Two first starts creating the ledger at once would collide on its type name: the lock orders them too.
  await db.transaction(async (tx) => {
    await lock(tx);
    await tx.exec(LEDGER);
  });
  const ledger = await db.query<{ version: string; name: string; checksum: string }>(
    "SELECT version, name, checksum FROM schema_migrations ORDER BY version",
  );
  checkLedger(ledger, migrations);
  const done = new Set(ledger.map((r) => r.version));
  const applied: string[] = [];
  for (const m of migrations) {
    if (done.has(m.version)) continue;
    const ran = await db.transaction(async (tx) => {
      await lock(tx);
      // Another process may have applied it while this one waited for the lock.
      const row = await maybeOne<{ checksum: string }>(
        tx,
        "SELECT checksum FROM schema_migrations WHERE version = $1",
        [m.version],
      );
      if (row) {
        checkLedger([{ version: m.version, name: m.name, checksum: row.checksum }], [m]);
        return false;
      }
      // Multi-statement files go through the simple protocol: one call, no parameters.
      await tx.exec(m.sql);
      await tx.query("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", [
        m.version,
        m.name,
        m.checksum,
      ]);
      return true;
    });
    if (ran) applied.push(m.version);
  }
  return applied;
}

/** Throws MigrationRefused when an applied file changed or the ledger names a migration this version lacks. */
function checkLedger(ledger: { version: string; name: string; checksum: string }[], files: Migration[]) {
  const byVersion = new Map(files.map((m) => [m.version, m]));
  const problems: string[] = [];
  for (const row of ledger) {
    const file = byVersion.get(row.version);
    if (!file) {
      problems.push(
        `migration ${row.version}_${row.name} is applied in the database but is not in this version's migrations/:` +
          " the database was upgraded by a newer Responsiva; run that version or a newer one (migrations are forward-only)",
      );
    } else if (file.checksum !== row.checksum) {
      problems.push(
        `migration ${file.version}_${file.name}.sql was changed after it was applied (sha256 ${row.checksum.slice(0, 12)}…` +
          ` in the ledger, ${file.checksum.slice(0, 12)}… on disk): restore the file as released and put the change` +
          " in a new migration",
      );
    }
  }
  if (problems.length > 0) {
    throw new MigrationRefused(
      `The database cannot be migrated:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
  }
}
