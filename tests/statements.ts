/**
 * Counting the statements a piece of work sends to the database (decision 0043: a statement's round trip is the
 * cost that matters), for tests that hold the count of a job to a bound. Counted, never timed.
 */
import type { Db, Sql } from "../server/db/index.ts";

/**
 * Counts the statements sent through `db` (BEGIN and COMMIT of each transaction included) until `stop`. The object
 * itself is wrapped, not copied: the per-pool caches (calendar, alarm rules, the suggester's version) are keyed by
 * it, as in a worker.
 */
export function counting(db: Db): { count: () => number; reset: () => void; stop: () => void } {
  let n = 0;
  const wrap = (sql: Sql): Sql => ({
    query: (text, params, options) => {
      n++;
      return sql.query(text, params, options);
    },
    exec: (text) => {
      n++;
      return sql.exec(text);
    },
  });
  const { query, exec, transaction } = db;
  const counted = wrap({ query: query.bind(db), exec: exec.bind(db) });
  db.query = counted.query;
  db.exec = counted.exec;
  db.transaction = <T>(fn: (tx: Sql) => Promise<T>): Promise<T> => {
    n += 2;
    return transaction.call(db, (tx) => fn(wrap(tx))) as Promise<T>;
  };
  return {
    count: () => n,
    reset: () => {
      n = 0;
    },
    stop: () => {
      Object.assign(db, { query, exec, transaction });
    },
  };
}

/** The statements `fn` sends through `db`, and what it threw if it did. */
export async function countStatements(
  db: Db,
  fn: () => Promise<unknown>,
): Promise<{ n: number; error?: unknown }> {
  const counter = counting(db);
  try {
    await fn();
    return { n: counter.count() };
  } catch (error) {
    return { n: counter.count(), error };
  } finally {
    counter.stop();
  }
}
