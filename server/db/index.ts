/**
 * One query layer over two engines: embedded PGlite (with PostGIS) and a PostgreSQL server through node-postgres.
 * Everything above this file sees only `Sql` (run a query) and `Db` (run a query or a transaction).
 */
import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import pg from "pg";
import { currentRequestId } from "../observability/context.ts";
import { CHANNEL_NAME, listenPostgres } from "./listen.ts";

/** What a caller says of a statement; read only by a lone statement on a `Db` (a transaction has no choice left). */
export interface QueryOptions {
  /**
   * The statement writes the `request_id` of the outbox or demand_events rows it inserts itself, so it may run alone
   * rather than in a transaction that sets the column's default: three round trips less (decision 0043).
   */
  writesRequestId?: true;
}

/** Something that runs parameterised SQL: the database itself or an open transaction. */
export interface Sql {
  query<T = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
    options?: QueryOptions,
  ): Promise<T[]>;
  /** Runs a script of several statements with no parameters (migrations, fixtures). */
  exec(text: string): Promise<void>;
}

/** A connected database: runs queries, opens transactions, closes. */
export interface Db extends Sql {
  readonly kind: "pglite" | "postgres";
  /** Runs `fn` inside one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /**
   * Calls `listener` after this process commits a change (a transaction that wrote, or a lone statement other than
   * SELECT that touched rows), so live events are announced without a NOTIFY inside the transaction. Returns the
   * function that removes the listener.
   */
  onCommit(listener: () => void): () => void;
  /**
   * LISTENs on `channel` (a plain SQL identifier) and calls `onMessage` with each NOTIFY payload; on PostgreSQL
   * over a dedicated connection that reconnects by itself. Resolves with the function that stops listening.
   */
  listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** What a database's connections are doing now, for /metrics. PGlite runs one statement at a time: size 1. */
export interface PoolUse {
  /** Connections open (PGlite: 1). */
  size: number;
  /** Connections running a query or a transaction (PGlite: 0 or 1). */
  inUse: number;
  /** Queries waiting for a connection (PGlite: for their turn). */
  waiting: number;
}

const poolUses = new WeakMap<Db, () => PoolUse>();

/** What the database's connections are doing now. */
export function poolUse(db: Db): PoolUse {
  return poolUses.get(db)?.() ?? { size: 0, inUse: 0, waiting: 0 };
}

// A transaction run for a request carries its id (transaction-local), which outbox.request_id takes as its
// default: every job a request queues names the request, with no change where jobs are queued (migration 0043).
const SET_REQUEST_ID = "SELECT set_config('responsiva.request_id', $1, true)";

// A lone statement that queues a job (intake's one-statement insert) or writes a timeline event (whose request_id
// takes the same default, migration 0048) must run in a transaction to carry the id, unless its caller says it
// writes the id itself (QueryOptions). Found by the text, not declared: the helpers that write these rows take any
// `Sql`, so a caller that hands them the database itself is caught here rather than silently losing the id.
const QUEUES_JOB = /\binsert\s+into\s+(?:outbox|demand_events)\b/i;
const queuesJobByText = new Map<string, boolean>();

/** True when `text` is a lone statement to run in a transaction so the rows it writes carry the request id. */
function needsRequestId(text: string, options: QueryOptions | undefined): boolean {
  if (currentRequestId() === undefined || options?.writesRequestId) return false;
  let queues = queuesJobByText.get(text);
  if (queues === undefined) {
    queues = QUEUES_JOB.test(text);
    queuesJobByText.set(text, queues);
  }
  return queues;
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
  /**
   * How long a query waits for a connection (a new one, or a free one of the pool) before it fails with an error
   * that `isDatabaseUnavailable` recognises; 5 s by default.
   */
  connectTimeoutMs?: number;
}

/** Opens the database named by the options. */
export async function connect(options: ConnectOptions): Promise<Db> {
  if (options.databaseUrl) {
    return connectPostgres(options.databaseUrl, options.poolSize ?? 10, options.connectTimeoutMs ?? 5000);
  }
  return connectPglite(options.dataDir, options.loadDataDir);
}

/** The listeners of `Db.onCommit` and the test that a statement may have changed rows. */
function commitListeners() {
  const listeners = new Set<() => void>();
  return {
    add(listener: () => void) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    // Called on the hot path of every write: a set size check and, only when someone listens, one regex.
    wrote: (text: string, rows: number | null | undefined) =>
      listeners.size > 0 && (rows ?? 0) > 0 && !/^\s*select\b/i.test(text),
    fire() {
      for (const listener of listeners) listener();
    },
  };
}

async function connectPostgres(url: string, max: number, timeoutMs: number): Promise<Db> {
  // A connection timeout turns a wait for ever (server unreachable, pool busy) into a 503 with Retry-After. JIT off: it
  // added ~200 ms of compiling to each indicator statement at 10 M facts (decision 0053).
  const options = { connectionString: url, max, connectionTimeoutMillis: timeoutMs, options: "-c jit=off" };
  const pool = new pg.Pool(options);
  const commits = commitListeners();
  // An idle client that loses its connection must not crash the process; the next query reconnects.
  pool.on("error", () => {});
  // Parameterised statements are named, so PostgreSQL parses and plans each once per connection instead of on
  // every call (this alone nearly doubles intake on the server). Scripts without parameters go unnamed.
  const run = async (client: pg.Pool | pg.PoolClient, text: string, params?: readonly unknown[]) =>
    client.query(
      params === undefined ? text : { name: statementName(text), text, values: params as unknown[] },
    );
  const db: Db = {
    kind: "postgres",
    async query<T>(text: string, params?: readonly unknown[], options?: QueryOptions) {
      if (needsRequestId(text, options)) return db.transaction((tx) => tx.query<T>(text, params));
      const result = await run(pool, text, params);
      if (commits.wrote(text, result.rowCount)) commits.fire();
      return result.rows as T[];
    },
    exec: async (text) => {
      await pool.query(text);
      commits.fire();
    },
    async transaction(fn) {
      const client = await pool.connect();
      // A connection that breaks while the transaction waits between statements (the server restarting) emits
      // 'error' on the client, and an 'error' nobody listens to ends the process. The next statement fails instead,
      // and the broken client is discarded rather than returned to the pool.
      let broken: Error | undefined;
      const onError = (error: Error) => {
        broken = error;
      };
      client.on("error", onError);
      let wrote = false;
      try {
        const requestId = currentRequestId();
        // One round trip: BEGIN and the id go together as a simple query (the id is a sane token, and quoted).
        await client.query(
          requestId === undefined
            ? "BEGIN"
            : `BEGIN; ${SET_REQUEST_ID.replace("$1", `'${requestId.replaceAll("'", "''")}'`)}`,
        );
        const result = await fn({
          async query<T>(text: string, params?: readonly unknown[]) {
            const result = await run(client, text, params);
            wrote ||= commits.wrote(text, result.rowCount);
            return result.rows as T[];
          },
          exec: async (text) => {
            await client.query(text);
            wrote = true;
          },
        });
        await client.query("COMMIT");
        if (wrote) commits.fire();
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch((rollbackError: Error) => {
          broken ??= rollbackError;
        });
        throw error;
      } finally {
        client.off("error", onError);
        client.release(broken);
      }
    },
    onCommit: (listener) => commits.add(listener),
    listen: (channel, onMessage) => listenPostgres(url, channel, onMessage, timeoutMs),
    close: () => pool.end(),
  };
  poolUses.set(db, () => ({
    size: pool.totalCount,
    inUse: pool.totalCount - pool.idleCount,
    waiting: pool.waitingCount,
  }));
  return db;
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

/**
 * One statement (or transaction) at a time, in arrival order, with a turn of the event loop between them. PGlite runs
 * each statement synchronously on this thread, and its own queue hands the next statement over in a microtask: under
 * load a whole backlog ran without the process reading a request or writing an answer, so requests that arrived
 * meanwhile queued behind it in bursts. A turn between statements lets I/O in, so the queue is first come, first
 * served.
 */
function takeTurns() {
  const waiting: Array<() => void> = [];
  let busy = false;
  const next = () => {
    const start = waiting.shift();
    if (start) start();
    else busy = false;
  };
  const take = <T>(work: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const start = () => {
        work()
          .then(resolve, reject)
          .finally(() => setImmediate(next));
      };
      if (busy) waiting.push(start);
      else {
        busy = true;
        start();
      }
    });
  return Object.assign(take, {
    use: (): PoolUse => ({ size: 1, inUse: busy ? 1 : 0, waiting: waiting.length }),
  });
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
  const commits = commitListeners();
  const turn = takeTurns();
  const db: Db = {
    kind: "pglite",
    async query<T>(text: string, params?: readonly unknown[], options?: QueryOptions) {
      if (needsRequestId(text, options)) return db.transaction((tx) => tx.query<T>(text, params));
      const result = await turn(() => lite.query<T>(text, params as unknown[]));
      if (commits.wrote(text, result.affectedRows)) commits.fire();
      return result.rows;
    },
    exec: async (text) => {
      await lite.exec(text);
      commits.fire();
    },
    async transaction(fn) {
      let wrote = false;
      const requestId = currentRequestId();
      const result = await turn(() =>
        lite.transaction(async (tx) => {
          if (requestId !== undefined) await tx.query(SET_REQUEST_ID, [requestId]);
          return fn({
            async query<T>(text: string, params?: readonly unknown[]) {
              const result = await tx.query<T>(text, params as unknown[]);
              wrote ||= commits.wrote(text, result.affectedRows);
              return result.rows;
            },
            exec: async (text) => {
              await tx.exec(text);
              wrote = true;
            },
          });
        }),
      );
      if (wrote) commits.fire();
      return result;
    },
    onCommit: (listener) => commits.add(listener),
    async listen(channel, onMessage) {
      if (!CHANNEL_NAME.test(channel)) throw new Error(`not a channel name: ${channel}`);
      const unlisten = await lite.listen(channel, onMessage);
      return () => unlisten();
    },
    close: () => lite.close(),
    // Tests and the template builder dump the data dir through this escape hatch.
    ...{ pglite: lite },
  };
  poolUses.set(db, turn.use);
  return db;
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

// SQLSTATEs of a server that is going away or not there yet (admin_shutdown, crash_shutdown, cannot_connect_now,
// too_many_connections) and of class 08, a broken connection.
const UNAVAILABLE_SQLSTATES = new Set([
  "57P01",
  "57P02",
  "57P03",
  "53300",
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
]);
// Socket errors of a server that refused, reset or never answered.
const UNAVAILABLE_SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);
// node-postgres's own words for a connection that ended, timed out or broke (these errors carry no code).
const UNAVAILABLE_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection terminated due to connection timeout)/;

/**
 * True when the error means the database cannot be reached right now (refused, restarting, shut down, a connection
 * that broke, no connection free in time): the request may succeed if tried again later, so it is a 503, not a 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown; errors?: unknown } | null | undefined;
  if (!e || typeof e !== "object") return false;
  if (
    typeof e.code === "string" &&
    (UNAVAILABLE_SQLSTATES.has(e.code) || UNAVAILABLE_SOCKET_CODES.has(e.code))
  ) {
    return true;
  }
  if (typeof e.message === "string" && UNAVAILABLE_MESSAGES.test(e.message)) return true;
  // Connecting to a name with several addresses (localhost: ::1 and 127.0.0.1) fails with an AggregateError.
  return Array.isArray(e.errors) && e.errors.length > 0 && e.errors.every(isDatabaseUnavailable);
}
