/**
 * What both engines of the query layer share: the request id carried into transactions, the value parsers, the
 * listeners of commits, the pool figures. Internal to server/db.
 */
import pg from "pg";
import { currentRequestId } from "../observability/context.ts";
import type { Db, PoolUse, QueryOptions } from "./index.ts";

export const poolUses = new WeakMap<Db, () => PoolUse>();

// A transaction run for a request carries its id (transaction-local), which outbox.request_id takes as its
// default: every job a request queues names the request, with no change where jobs are queued (migration 0043).
export const SET_REQUEST_ID = "SELECT set_config('responsiva.request_id', $1, true)";

// A lone statement that queues a job (intake's one-statement insert) or writes a timeline event (whose request_id
// takes the same default, migration 0048) must run in a transaction to carry the id, unless its caller says it
// writes the id itself (QueryOptions). Found by the text, not declared: the helpers that write these rows take any
// `Sql`, so a caller that hands them the database itself is caught here rather than silently losing the id.
const QUEUES_JOB = /\binsert\s+into\s+(?:outbox|demand_events)\b/i;
const queuesJobByText = new Map<string, boolean>();

/** True when `text` is a lone statement to run in a transaction so the rows it writes carry the request id. */
export function needsRequestId(text: string, options: QueryOptions | undefined): boolean {
  if (currentRequestId() === undefined || options?.writesRequestId) return false;
  let queues = queuesJobByText.get(text);
  if (queues === undefined) {
    queues = QUEUES_JOB.test(text);
    queuesJobByText.set(text, queues);
  }
  return queues;
}

// Both engines read values the same way: bigint and numeric as JS numbers (ids stay far below 2^53), date as text.
export const INT8 = 20;
export const NUMERIC = 1700;
export const DATE = 1082;
export const toNumber = (v: string) => (v === null ? null : Number(v));
pg.types.setTypeParser(INT8, toNumber);
pg.types.setTypeParser(NUMERIC, toNumber);
pg.types.setTypeParser(DATE, (v: string) => v);
/** The listeners of `Db.onCommit` and the test that a statement may have changed rows. */
export function commitListeners() {
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
