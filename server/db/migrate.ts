/**
 * Applies the numbered plain-SQL files of `migrations/` in order, each in its own transaction, and records each in
 * the `schema_migrations` ledger with a checksum, so a changed file that was already applied is reported, not
 * silently skipped. On a PostgreSQL server an advisory lock keeps two starting processes from migrating at once.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Db } from "./index.ts";

/** The folder holding the migration files. */
export const MIGRATIONS_DIR = fileURLToPath(new URL("../../migrations/", import.meta.url));

const LOCK_KEY = 5_156_311; // any constant: the advisory lock id shared by every Responsiva process

interface Migration {
  version: string;
  name: string;
  sql: string;
  checksum: string;
}

/** Reads the migration files, sorted by their number. */
export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => {
      const sql = readFileSync(dir + file, "utf8");
      return {
        version: file.slice(0, 4),
        name: file.slice(5, -4),
        sql,
        checksum: createHash("sha256").update(sql).digest("hex"),
      };
    });
}

/** Brings the database up to the newest migration; returns the versions it applied. */
export async function migrate(db: Db, dir = MIGRATIONS_DIR): Promise<string[]> {
  const migrations = readMigrations(dir);
  const applied: string[] = [];
  const locked = db.kind === "postgres";
  if (locked) await db.query("SELECT pg_advisory_lock($1)", [LOCK_KEY]);
  try {
    await db.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = new Map(
      (
        await db.query<{ version: string; checksum: string }>(
          "SELECT version, checksum FROM schema_migrations",
        )
      ).map((r) => [r.version, r.checksum]),
    );
    for (const m of migrations) {
      const previous = done.get(m.version);
      if (previous !== undefined) {
        if (previous !== m.checksum) {
          throw new Error(
            `migration ${m.version}_${m.name} was changed after it was applied; add a new one instead`,
          );
        }
        continue;
      }
      await db.transaction(async (tx) => {
        // Multi-statement files go through the simple protocol: one call, no parameters.
        await tx.exec(m.sql);
        await tx.query("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", [
          m.version,
          m.name,
          m.checksum,
        ]);
      });
      applied.push(m.version);
    }
  } finally {
    if (locked) await db.query("SELECT pg_advisory_unlock($1)", [LOCK_KEY]);
  }
  return applied;
}
