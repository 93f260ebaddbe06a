/**
 * What a backup or a move must carry and check: the city's tables (extension-owned ones such as PostGIS's
 * spatial_ref_sys excluded), their row counts, the migrations applied, and the sequences. Read the same way on
 * PGlite and on PostgreSQL.
 */
import { existsSync } from "node:fs";
import { connect as connectSocket } from "node:net";
import { join } from "node:path";
import type { Sql } from "../db/index.ts";

/** A migration as the ledger records it. */
export interface AppliedMigration {
  version: string;
  name: string;
  checksum: string;
}

/** The plain tables of schema public that belong to the application, by name. */
export async function listTables(sql: Sql): Promise<string[]> {
  const rows = await sql.query<{ name: string }>(
    `SELECT c.relname AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r'
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
      ORDER BY c.relname`,
  );
  return rows.map((r) => r.name);
}

/** Rows per table, for the manifest and for the checks after a restore or a move. */
export async function countRows(sql: Sql, tables: readonly string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const [row] = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${quoteIdent(table)}`);
    counts[table] = row?.n ?? 0;
  }
  return counts;
}

/** The ledger of applied migrations, oldest first. */
export function appliedMigrations(sql: Sql): Promise<AppliedMigration[]> {
  return sql.query<AppliedMigration>(
    "SELECT version, name, checksum FROM schema_migrations ORDER BY version",
  );
}

/** The tables whose differences between two count maps, as "table: a ≠ b" lines; empty when they agree. */
export function countDifferences(expected: Record<string, number>, actual: Record<string, number>): string[] {
  const tables = new Set([...Object.keys(expected), ...Object.keys(actual)]);
  return [...tables]
    .filter((t) => expected[t] !== actual[t])
    .map((t) => `${t}: expected ${expected[t] ?? "no table"}, found ${actual[t] ?? "no table"}`);
}

/** A name quoted as an SQL identifier (names come from the catalogue, but a quote costs nothing). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The Unix socket a running app on the embedded database answers backup requests on. */
export function backupSocketPath(dataDir: string): string {
  return join(dataDir, "backup.sock");
}

/**
 * Whether an app process holds the embedded database in `dataDir` right now: its backup socket answers. A data dir
 * whose `postmaster.pid` is still there without an answering socket was left by a process that died (or by an app
 * of an older version): reported separately, so commands refuse to open it unless told to.
 */
export async function embeddedDatabaseState(dataDir: string): Promise<"running" | "left-open" | "closed"> {
  const socket = backupSocketPath(dataDir);
  if (existsSync(socket)) {
    const answers = await new Promise<boolean>((resolve) => {
      const client = connectSocket(socket);
      client.once("connect", () => {
        client.end();
        resolve(true);
      });
      client.once("error", () => resolve(false));
    });
    if (answers) return "running";
  }
  return existsSync(join(dataDir, "pglite", "postmaster.pid")) ? "left-open" : "closed";
}
