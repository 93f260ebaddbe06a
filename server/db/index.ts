/**
 * One query layer over two engines: embedded PGlite (with PostGIS) and a PostgreSQL server through node-postgres.
 * Everything above this file sees only `Sql` (run a query) and `Db` (run a query or a transaction).
 */
import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import pg from "pg";

/** Something that runs parameterised SQL: the database itself or an open transaction. */
export interface Sql {
  query<T = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a script of several statements with no parameters (migrations, fixtures). */
  exec(text: string): Promise<void>;
}

/** A connected database: runs queries, opens transactions, closes. */
export interface Db extends Sql {
  readonly kind: "pglite" | "postgres";
  /** Runs `fn` inside one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Returns the only row of a result, or throws when there is none. */
export async function one<T>(sql: Sql, text: string, params?: readonly unknown[]): Promise<T> {
  const rows = await sql.query<T>(text, params);
  if (rows.length === 0) throw new Error(`expected one row from: ${text.slice(0, 80)}`);
  return rows[0] as T;
}

/** Returns the first row of a result, or undefined. */
export async function maybeOne<T>(
  sql: Sql,
  text: string,
  params?: readonly unknown[],
): Promise<T | undefined> {
  const rows = await sql.query<T>(text, params);
  return rows[0];
}

// Both engines read values the same way: bigint and numeric as JS numbers (ids stay far below 2^53), date as text.
const INT8 = 20;
const NUMERIC = 1700;
const DATE = 1082;
const toNumber = (v: string) => (v === null ? null : Number(v));
pg.types.setTypeParser(INT8, toNumber);
pg.types.setTypeParser(NUMERIC, toNumber);
pg.types.setTypeParser(DATE, (v: string) => v);

export interface ConnectOptions {
  /** A PostgreSQL URL; when absent the embedded PGlite database is used. */
  databaseUrl?: string | undefined;
  /** Folder of the embedded database; undefined keeps it in memory. */
  dataDir?: string | undefined;
  /** A dumped PGlite data dir (tar.gz) to start from instead of an empty database. */
  loadDataDir?: Blob | undefined;
  /** Connections in the node-postgres pool. */
  poolSize?: number;
}

/** Opens the database named by the options. */
export async function connect(options: ConnectOptions): Promise<Db> {
  if (options.databaseUrl) return connectPostgres(options.databaseUrl, options.poolSize ?? 10);
  return connectPglite(options.dataDir, options.loadDataDir);
}

async function connectPostgres(url: string, max: number): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max });
  // An idle client that loses its connection must not crash the process; the next query reconnects.
  pool.on("error", () => {});
  // Parameterised statements are named, so PostgreSQL parses and plans each once per connection instead of on
  // every call (this alone nearly doubles intake on the server). Scripts without parameters go unnamed.
  const run = async <T>(client: pg.Pool | pg.PoolClient, text: string, params?: readonly unknown[]) =>
    (
      await client.query(
        params === undefined ? text : { name: statementName(text), text, values: params as unknown[] },
      )
    ).rows as T[];
  return {
    kind: "postgres",
    query: (text, params) => run(pool, text, params),
    exec: async (text) => {
      await pool.query(text);
    },
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const result = await fn({
          query: (text, params) => run(client, text, params),
          exec: async (text) => {
            await client.query(text);
          },
        });
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

const statementNames = new Map<string, string>();

/** A stable prepared-statement name for a query text. */
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `r_${createHash("sha1").update(text).digest("hex").slice(0, 20)}`;
    statementNames.set(text, name);
  }
  return name;
}

async function connectPglite(dataDir: string | undefined, loadDataDir: Blob | undefined): Promise<Db> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { postgis } = await import("@electric-sql/pglite-postgis");
  const { pg_trgm } = await import("@electric-sql/pglite/contrib/pg_trgm");
  const { unaccent } = await import("@electric-sql/pglite/contrib/unaccent");
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const lite = await PGlite.create({
    ...(dataDir ? { dataDir } : {}),
    ...(loadDataDir ? { loadDataDir } : {}),
    extensions: { postgis, pg_trgm, unaccent },
    parsers: { [INT8]: toNumber, [NUMERIC]: toNumber, [DATE]: (v: string) => v },
  });
  return {
    kind: "pglite",
    query: async (text, params) => (await lite.query(text, params as unknown[])).rows as never[],
    exec: async (text) => {
      await lite.exec(text);
    },
    transaction: (fn) =>
      lite.transaction((tx) =>
        fn({
          query: async (text, params) => (await tx.query(text, params as unknown[])).rows as never[],
          exec: async (text) => {
            await tx.exec(text);
          },
        }),
      ),
    close: () => lite.close(),
    // Tests and the template builder dump the data dir through this escape hatch.
    ...{ pglite: lite },
  };
}

/** The PGlite instance behind a Db, for dumping its data dir; undefined on PostgreSQL. */
export function pgliteOf(db: Db): { dumpDataDir(c?: "gzip" | "none"): Promise<Blob | File> } | undefined {
  return (db as unknown as { pglite?: { dumpDataDir(c?: "gzip" | "none"): Promise<Blob | File> } }).pglite;
}

/** True when the error is PostgreSQL's unique_violation. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: string; constraint?: string; message?: string };
  if (e?.code !== "23505") return false;
  return constraint === undefined || e.constraint === constraint || (e.message ?? "").includes(constraint);
}
