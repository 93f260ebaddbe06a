/**
 * One query layer over two engines: embedded PGlite (with PostGIS) and a PostgreSQL server through node-postgres.
 * Everything above this file sees only `Sql` (run a query) and `Db` (run a query or a transaction).
 */
import { createHash } from "node:crypto";
import pg from "pg";
import { currentRequestId } from "../observability/context.ts";
import { ACROSS_TENANTS, currentTenant } from "../tenants/current.ts";
import { commitListeners, needsRequestId, poolUses, SET_REQUEST_ID } from "./engine.ts";
import { isDatabaseUnavailable } from "./errors.ts";
import { listenPostgres } from "./listen.ts";
import { connectPglite } from "./pglite.ts";
import {
  ACROSS_SQL,
  freshSession,
  onTenancyReady,
  ownerPreamble,
  type SessionState,
  sessionEntered,
  sessionForgotten,
  sessionPreamble,
  TENANCY_READY_SQL,
} from "./tenancy.ts";

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

/** What the database's connections are doing now. */
export function poolUse(db: Db): PoolUse {
  return poolUses.get(db)?.() ?? { size: 0, inUse: 0, waiting: 0 };
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
  // Each connection's role and tenant setting (./tenancy.ts), sent only when they differ from what it was told.
  const sessions = new WeakMap<pg.PoolClient, SessionState>();
  const sessionOf = (client: pg.PoolClient) => {
    let state = sessions.get(client);
    if (!state) {
      state = freshSession();
      sessions.set(client, state);
    }
    return state;
  };
  // Whether the database has tenancy (migration 0064): asked at the first statement, not at connect, so a server
  // that is not up yet fails the statement (a 503), not the start.
  let tenancy: boolean | undefined;
  let asking: Promise<boolean> | undefined;
  const askTenancy = () => {
    asking ??= pool.query<{ ready: boolean }>(TENANCY_READY_SQL).then(
      (result) => (tenancy ??= result.rows[0]?.ready === true),
      (error) => {
        asking = undefined;
        throw error;
      },
    );
    return asking;
  };
  const db: Db = {
    kind: "postgres",
    async query<T>(text: string, params?: readonly unknown[], options?: QueryOptions) {
      if (tenancy === undefined) await askTenancy();
      const tenant = currentTenant();
      if (needsRequestId(text, options) || (tenancy && tenant === ACROSS_TENANTS)) {
        return db.transaction((tx) => tx.query<T>(text, params));
      }
      if (!tenancy) {
        const result = await run(pool, text, params);
        if (commits.wrote(text, result.rowCount)) commits.fire();
        return result.rows as T[];
      }
      const client = await pool.connect();
      let broken: Error | undefined;
      // As in a transaction (below): a connection that breaks while held emits 'error', which must not end the process.
      const onError = (error: Error) => {
        broken = error;
      };
      client.on("error", onError);
      try {
        const state = sessionOf(client);
        const preamble = sessionPreamble(state, tenant);
        if (preamble) {
          await client.query(preamble);
          sessionEntered(state, tenant);
        }
        const result = await run(client, text, params);
        if (commits.wrote(text, result.rowCount)) commits.fire();
        return result.rows as T[];
      } catch (error) {
        if (isDatabaseUnavailable(error)) broken = error as Error;
        throw error;
      } finally {
        client.off("error", onError);
        client.release(broken);
      }
    },
    exec: async (text) => {
      if (tenancy === undefined) await askTenancy();
      if (!tenancy) {
        await pool.query(text);
        commits.fire();
        return;
      }
      // Not in a transaction: a script may hold VACUUM or CHECKPOINT, which refuse one. It runs as the owner
      // (./tenancy.ts), and the connection is told its role again before its next statement.
      const client = await pool.connect();
      const state = sessionOf(client);
      let broken: Error | undefined;
      const onError = (error: Error) => {
        broken = error;
      };
      client.on("error", onError);
      try {
        sessionForgotten(state);
        await client.query(ownerPreamble(currentTenant()));
        await client.query(text);
      } catch (error) {
        if (isDatabaseUnavailable(error)) broken = error as Error;
        throw error;
      } finally {
        client.off("error", onError);
        client.release(broken);
      }
      commits.fire();
    },
    async transaction(fn) {
      if (tenancy === undefined) await askTenancy();
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
      const tenant = currentTenant();
      const state = sessionOf(client);
      try {
        const requestId = currentRequestId();
        // One round trip: the tenant (when the connection's differs), BEGIN and the id go together as a simple
        // query (the id is a sane token, and quoted). Work across tenants lifts row-level security for this one.
        const preamble = tenancy ? sessionPreamble(state, tenant) : undefined;
        await client.query(
          [
            preamble,
            "BEGIN",
            tenant === ACROSS_TENANTS ? ACROSS_SQL : undefined,
            requestId === undefined
              ? undefined
              : SET_REQUEST_ID.replace("$1", `'${requestId.replaceAll("'", "''")}'`),
          ]
            .filter((part) => part !== undefined)
            .join("; "),
        );
        if (preamble) sessionEntered(state, tenant);
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
        // Settings made inside the transaction (a preamble joins it) are undone with it.
        sessionForgotten(state);
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
  onTenancyReady(db, () => {
    tenancy = true;
  });
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

/** The PGlite instance behind a Db, for dumping its data dir; undefined on PostgreSQL. */
export function pgliteOf(db: Db): { dumpDataDir(c?: "gzip" | "none"): Promise<Blob | File> } | undefined {
  return (db as unknown as { pglite?: { dumpDataDir(c?: "gzip" | "none"): Promise<Blob | File> } }).pglite;
}

// The errors the layer recognises live apart; every caller imports them from here.
export { isDatabaseUnavailable, isUniqueViolation } from "./errors.ts";
