/**
 * Moves a city from the embedded database to a PostgreSQL server (decision 0036): the target is migrated by the
 * same files, every table copied row for row in its text form (PostGIS geometries as hex EWKB, so nothing is
 * rounded), every sequence set to the source's position, and each table's count compared, all in one transaction
 * on the target: a failure leaves it as it was. Attachment files stay in DATA_DIR/attachments, or are copied into
 * another store (an S3 bucket) first by `copyAttachments`.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";
import type { Db, Sql } from "../db/index.ts";
import { migrate } from "../db/migrate.ts";
import type { AttachmentStore } from "../storage/store.ts";
import { runAcrossTenants } from "../tenants/current.ts";
import { countDifferences, countRows, listTables, quoteIdent } from "./inventory.ts";

/** Tables that hold a city once it is loaded: a target with rows in any of them is not empty. */
const CITY_TABLES = ["districts", "departments", "services", "staff_users", "citizens", "demands"];
const BATCH = 2000;

/** What was moved: rows per table. */
export interface ExportResult {
  counts: Record<string, number>;
}

/**
 * Copies everything in `source` (the embedded database, migrated to this version) into the PostgreSQL database at
 * `targetUrl`. Refuses a target that holds a city unless `force`, which empties it first (its audit log too).
 */
export async function exportTo(
  source: Db,
  targetUrl: string,
  options: { force?: boolean; log?: (line: string) => void } = {},
): Promise<ExportResult> {
  const log = options.log ?? (() => {});
  const client = new pg.Client({ connectionString: targetUrl });
  await client.connect();
  try {
    const target = transactionDb(client);
    const occupied = await cityTablesWithRows(target);
    if (occupied.length > 0 && !options.force) {
      throw new Error(
        `the target already holds a city (rows in ${occupied.join(", ")}); pass --force to replace it`,
      );
    }
    await client.query("BEGIN");
    try {
      // Every tenant's rows go: the copy is the install's own work, across tenants (decision 0059).
      const result = await runAcrossTenants(() => source.transaction((src) => copyAll(src, target, log)));
      await client.query("COMMIT");
      // Fresh planner statistics, or the first queries on the server plan as if every table were empty.
      await client.query("ANALYZE");
      return result;
    } catch (error) {
      await client.query("ROLLBACK");
      throw error;
    }
  } finally {
    await client.end();
  }
}

async function copyAll(src: Sql, target: Db, log: (line: string) => void): Promise<ExportResult> {
  const applied = await migrate(target);
  log(`target migrated (${applied.length} migrations applied)`);
  const tables = await listTables(src);
  const targetTables = new Set(await listTables(target));
  const absent = tables.filter((t) => !targetTables.has(t));
  if (absent.length > 0) throw new Error(`the target lacks tables ${absent.join(", ")}: versions differ`);
  // Rows the migrations themselves inserted (calendar settings, alarm rules…) are replaced by the source's. The
  // audit log refuses TRUNCATE by a trigger of its own, lifted for this statement only.
  const list = tables.map(quoteIdent).join(", ");
  await target.exec(`ALTER TABLE audit_log DISABLE TRIGGER USER;
    TRUNCATE ${list} RESTART IDENTITY;
    ALTER TABLE audit_log ENABLE TRIGGER USER;`);
  // The source's search index and pending list travel as they are: the trigger that lists each new demand as
  // pending (migration 0046) would list them a second time. Off until the deferred keys are checked (no ALTER TABLE
  // while their events wait).
  await target.exec("ALTER TABLE demands DISABLE TRIGGER demands_search_enqueue");
  // Rows arrive table by table in any order, and some tables point at themselves (merged demands, rerouted
  // orders): the foreign keys are checked once, at the end, then made immediate again as the migrations left them.
  const keys = await target.query<{ table: string; name: string }>(
    `SELECT conrelid::regclass::text AS table, conname AS name FROM pg_constraint
      WHERE contype = 'f' AND NOT condeferrable AND connamespace = 'public'::regnamespace`,
  );
  for (const k of keys) {
    await target.exec(
      `ALTER TABLE ${k.table} ALTER CONSTRAINT ${quoteIdent(k.name)} DEFERRABLE INITIALLY DEFERRED`,
    );
  }
  for (const table of tables) {
    const n = await copyTable(src, target, table);
    if (n > 0) log(`${table}: ${n}`);
  }
  await target.exec("SET CONSTRAINTS ALL IMMEDIATE");
  await target.exec("ALTER TABLE demands ENABLE TRIGGER demands_search_enqueue");
  for (const k of keys) {
    await target.exec(`ALTER TABLE ${k.table} ALTER CONSTRAINT ${quoteIdent(k.name)} NOT DEFERRABLE`);
  }
  await copySequences(src, target);
  const counts = await countRows(src, tables);
  const differences = countDifferences(counts, await countRows(target, tables));
  if (differences.length > 0) throw new Error(`counts differ after the copy: ${differences.join("; ")}`);
  return { counts };
}

/** Copies one table through a cursor, a batch at a time; returns the rows copied. */
async function copyTable(src: Sql, target: Sql, table: string): Promise<number> {
  // Generated columns are computed again by the target; every other column travels as text and is cast back to
  // its declared type, which is how pg_dump moves values too.
  const columns = await src.query<{ name: string; type: string }>(
    `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
      WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''
      ORDER BY attnum`,
    [quoteIdent(table)],
  );
  const names = columns.map((c) => quoteIdent(c.name)).join(", ");
  const cursor = `export_${table}`;
  await src.exec(
    `DECLARE ${quoteIdent(cursor)} NO SCROLL CURSOR FOR SELECT ${columns
      .map((c, i) => `${quoteIdent(c.name)}::text AS c${i}`)
      .join(", ")} FROM ${quoteIdent(table)}`,
  );
  const insert = `INSERT INTO ${quoteIdent(table)} (${names}) OVERRIDING SYSTEM VALUE
    SELECT ${columns.map((c, i) => `c${i}::${c.type}`).join(", ")}
      FROM unnest(${columns.map((_, i) => `$${i + 1}::text[]`).join(", ")})
        AS u(${columns.map((_, i) => `c${i}`).join(", ")})`;
  let copied = 0;
  for (;;) {
    const rows = await src.query<Record<string, string | null>>(`FETCH ${BATCH} FROM ${quoteIdent(cursor)}`);
    if (rows.length === 0) break;
    await target.query(
      insert,
      columns.map((_, i) => rows.map((r) => r[`c${i}`] ?? null)),
    );
    copied += rows.length;
  }
  await src.exec(`CLOSE ${quoteIdent(cursor)}`);
  return copied;
}

/** Puts every sequence (ids, identities, the protocol numbers) where the source's stands. */
async function copySequences(src: Sql, target: Sql): Promise<void> {
  const sequences = await src.query<{ name: string }>(
    "SELECT sequencename AS name FROM pg_sequences WHERE schemaname = 'public'",
  );
  for (const { name } of sequences) {
    const [state] = await src.query<{ last_value: number; is_called: boolean }>(
      `SELECT last_value, is_called FROM ${quoteIdent(name)}`,
    );
    await target.query("SELECT setval($1::regclass, $2, $3)", [
      quoteIdent(name),
      state!.last_value,
      state!.is_called,
    ]);
  }
}

async function cityTablesWithRows(target: Sql): Promise<string[]> {
  const present = new Set(await listTables(target));
  const occupied: string[] = [];
  for (const table of CITY_TABLES.filter((t) => present.has(t))) {
    const [row] = await target.query(`SELECT 1 FROM ${quoteIdent(table)} LIMIT 1`);
    if (row) occupied.push(table);
  }
  return occupied;
}

/**
 * The target connection seen as a Db whose transactions join the one already open, so `migrate()` applies the
 * migrations inside the export's single transaction. Nothing here listens or announces commits.
 */
function transactionDb(client: pg.Client): Db {
  const sql: Sql = {
    query: async <T>(text: string, params?: readonly unknown[]) =>
      (await client.query(text, params as unknown[])).rows as T[],
    exec: async (text) => {
      await client.query(text);
    },
  };
  return {
    ...sql,
    kind: "postgres",
    transaction: (fn) => fn(sql),
    onCommit: () => () => {},
    listen: () => Promise.reject(new Error("the export's connection does not listen")),
    close: () => client.end(),
  };
}

/**
 * Copies every file the source's attachment rows name from the local folder `root` into `store` (the server's S3
 * bucket), checking each against its SHA-256 on the way; run before the export, so rows never arrive before their
 * files. Returns the number of files copied.
 */
export async function copyAttachments(source: Sql, root: string, store: AttachmentStore): Promise<number> {
  const files = await source.query<{ storage_key: string; media_type: string; sha256: string }>(
    "SELECT DISTINCT storage_key, media_type, sha256 FROM attachments ORDER BY storage_key",
  );
  for (const f of files) {
    const content = await readFile(join(root, f.storage_key));
    if (createHash("sha256").update(content).digest("hex") !== f.sha256) {
      throw new Error(`attachment ${f.storage_key} does not match its SHA-256: the local copy is damaged`);
    }
    await store.put(f.storage_key, content, f.media_type, f.sha256);
  }
  return files.length;
}
