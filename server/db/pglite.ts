/** The embedded engine of the query layer: PGlite with PostGIS, one connection taking turns (./index.ts). */
import { AsyncResource } from "node:async_hooks";
import { mkdirSync } from "node:fs";
import { currentRequestId } from "../observability/context.ts";
import { ACROSS_TENANTS, currentTenant } from "../tenants/current.ts";
import {
  commitListeners,
  DATE,
  INT8,
  NUMERIC,
  needsRequestId,
  poolUses,
  SET_REQUEST_ID,
  toNumber,
} from "./engine.ts";
import type { Db, PoolUse, QueryOptions } from "./index.ts";
import { CHANNEL_NAME } from "./listen.ts";
import { trimmedPostgis } from "./postgis-bundle.ts";
import {
  ACROSS_SQL,
  freshSession,
  onTenancyReady,
  ownerPreamble,
  sessionEntered,
  sessionForgotten,
  sessionPreamble,
  TENANCY_READY_SQL,
} from "./tenancy.ts";

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
      // Bound to the caller's async context: a waiting statement starts from the previous one's completion, and
      // would otherwise run (its tenant's preamble and a transaction's whole callback included) as that one's work,
      // another tenant's or across tenants (a ring told as tenant 0 showed it).
      if (busy) waiting.push(AsyncResource.bind(start));
      else {
        busy = true;
        start();
      }
    });
  return Object.assign(take, {
    use: (): PoolUse => ({ size: 1, inUse: busy ? 1 : 0, waiting: waiting.length }),
  });
}

export async function connectPglite(dataDir: string | undefined, loadDataDir: Blob | undefined): Promise<Db> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { postgis } = await import("@electric-sql/pglite-postgis");
  const { pg_trgm } = await import("@electric-sql/pglite/contrib/pg_trgm");
  const { unaccent } = await import("@electric-sql/pglite/contrib/unaccent");
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const lite = await PGlite.create({
    ...(dataDir ? { dataDir } : {}),
    ...(loadDataDir ? { loadDataDir } : {}),
    extensions: { postgis: trimmedPostgis(postgis), pg_trgm, unaccent },
    parsers: { [INT8]: toNumber, [NUMERIC]: toNumber, [DATE]: (v: string) => v },
  });
  const commits = commitListeners();
  const turn = takeTurns();
  // The one connection's role and tenant setting (./tenancy.ts). Statements take turns, so the setting made before
  // a statement in its turn is the one it runs under.
  const session = freshSession();
  let tenancy = (await lite.query<{ ready: boolean }>(TENANCY_READY_SQL)).rows[0]?.ready === true;
  const enter = async (tenant: number) => {
    const preamble = tenancy ? sessionPreamble(session, tenant) : undefined;
    if (preamble === undefined) return;
    await lite.exec(preamble);
    sessionEntered(session, tenant);
  };
  const db: Db = {
    kind: "pglite",
    async query<T>(text: string, params?: readonly unknown[], options?: QueryOptions) {
      const tenant = currentTenant();
      if (needsRequestId(text, options) || (tenancy && tenant === ACROSS_TENANTS)) {
        return db.transaction((tx) => tx.query<T>(text, params));
      }
      const result = await turn(async () => {
        await enter(tenant);
        return lite.query<T>(text, params as unknown[]);
      });
      if (commits.wrote(text, result.affectedRows)) commits.fire();
      return result.rows;
    },
    exec: async (text) => {
      // As on PostgreSQL: not in a transaction (VACUUM, CHECKPOINT), as the owner.
      const tenant = currentTenant();
      await turn(async () => {
        if (tenancy) {
          sessionForgotten(session);
          await lite.exec(ownerPreamble(tenant));
        }
        await lite.exec(text);
      });
      commits.fire();
    },
    async transaction(fn) {
      let wrote = false;
      const requestId = currentRequestId();
      const tenant = currentTenant();
      const result = await turn(async () => {
        await enter(tenant);
        return lite.transaction(async (tx) => {
          if (tenant === ACROSS_TENANTS) await tx.exec(ACROSS_SQL);
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
        });
      });
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
  onTenancyReady(db, () => {
    tenancy = true;
  });
  poolUses.set(db, turn.use);
  return db;
}
