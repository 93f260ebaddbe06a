/**
 * A small table read from the database and kept by this process for a while, per connection pool: the city's
 * calendar, the alarm rules. Every process reads it again after `ms`; the process that changes it forgets its copy
 * at once (`forget`, after the commit), so it sees its own change and the others within `ms`.
 */
import type { Sql } from "./index.ts";

/** A cached read of `read`, per `Sql`, for `ms` milliseconds. */
export function perPoolCache<T>(ms: number, read: (db: Sql) => Promise<T>) {
  const held = new WeakMap<Sql, { at: number; value: Promise<T> }>();
  return {
    /** The cached value, or a fresh read when there is none or it is older than `ms`. */
    get(db: Sql, now = Date.now()): Promise<T> {
      const hit = held.get(db);
      if (hit && now - hit.at < ms) return hit.value;
      const value = read(db);
      held.set(db, { at: now, value });
      // A failed read is not kept: the next call tries again.
      value.catch(() => {
        if (held.get(db)?.value === value) held.delete(db);
      });
      return value;
    },
    /** Drops the cached value of `db`, after a change to what it holds. */
    forget(db: Sql): void {
      held.delete(db);
    },
  };
}
