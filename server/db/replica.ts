/**
 * Reads that may go to a streaming replica (READ_DATABASE_URL): the indicators, the map's clusters and the monthly
 * report. The replica is used while its lag stays within READ_REPLICA_MAX_LAG_SECONDS; past that (or when it cannot
 * be reached) reads go back to the primary. Either way the answer says where it read and how far behind that was,
 * for the screens. Writes never go through here: a standby refuses them, and a URL that is not a standby is never
 * read (replicaLag throws, so the reads stay on the primary).
 */
import type { Db, Sql } from "./index.ts";

/** Where a read went. */
export interface ReadSource {
  sql: Sql;
  /** True when the read goes to the replica. */
  replica: boolean;
  /** How far the replica was behind when last measured (seconds; 0 when it had replayed everything); null: none. */
  lagSeconds: number | null;
}

/** How long one measurement of the lag is reused (ms). */
export const LAG_CHECK_MS = 1_000;

/**
 * The lag of `replica` behind `primary`: zero when the replica has replayed the primary's current WAL position,
 * else the time since the last transaction it replayed committed.
 */
export async function replicaLag(primary: Sql, replica: Sql): Promise<number> {
  const [head] = await primary.query<{ lsn: string }>("SELECT pg_current_wal_lsn()::text AS lsn");
  const [state] = await replica.query<{ standby: boolean; lag: number | null }>(
    `SELECT pg_is_in_recovery() AS standby,
            CASE WHEN pg_last_wal_replay_lsn() >= $1::pg_lsn THEN 0
                 ELSE extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8 END AS lag`,
    [head!.lsn],
  );
  if (!state?.standby)
    throw new Error("READ_DATABASE_URL is not a standby server (pg_is_in_recovery() is false)");
  return state.lag === null ? Number.POSITIVE_INFINITY : Math.max(0, Number(state.lag));
}

/** A reader choosing between `primary` and `replica` by the replica's measured lag. */
export function replicaReader(primary: Db, replica: Db | undefined, maxLagSeconds: number) {
  let measured: { at: number; lag: number | null } | undefined;
  let pending: Promise<number | null> | undefined;
  const measure = async (now: number): Promise<number | null> => {
    if (!replica) return null;
    if (measured && now - measured.at < LAG_CHECK_MS) return measured.lag;
    pending ??= replicaLag(primary, replica)
      .catch(() => null)
      .then((lag) => {
        measured = { at: Date.now(), lag };
        pending = undefined;
        return lag;
      });
    return pending;
  };
  return {
    /** The replica's database (undefined: none). */
    replica,
    /** Where the next read should go. */
    async source(now = Date.now()): Promise<ReadSource> {
      const lag = await measure(now);
      if (replica && lag !== null && lag <= maxLagSeconds)
        return { sql: replica, replica: true, lagSeconds: lag };
      return { sql: primary, replica: false, lagSeconds: lag };
    },
    /** Resolves when the replica has replayed everything the primary had written when called (tests, imports). */
    async caughtUp(timeoutMs = 10_000): Promise<void> {
      if (!replica) return;
      const [head] = await primary.query<{ lsn: string }>("SELECT pg_current_wal_lsn()::text AS lsn");
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const [state] = await replica.query<{ done: boolean }>(
          "SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done",
          [head!.lsn],
        );
        if (state?.done) return;
        if (Date.now() > deadline) throw new Error("the replica did not catch up");
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    /** Closes the replica's connections. */
    close: () => replica?.close() ?? Promise.resolve(),
  };
}

/** Where a read of `ctx` goes: the replica through its reader, or the primary when there is none. */
export function readSourceOf(ctx: { db: Db; reader?: ReplicaReader | undefined }): Promise<ReadSource> {
  return ctx.reader
    ? ctx.reader.source()
    : Promise.resolve({ sql: ctx.db, replica: false, lagSeconds: null });
}

export type ReplicaReader = ReturnType<typeof replicaReader>;
