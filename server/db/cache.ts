/**
 * A small table read from the database and kept by this process for a while, per connection pool and tenant: the
 * city's calendar, the alarm rules. Every process reads it again after `ms`; the process that changes it forgets its
 * copy at once (`forget`, after the commit), so it sees its own change and the others within `ms`.
 */
import { currentTenant, tenantsOf } from "../tenants/current.ts";
import type { Sql } from "./index.ts";

/** A cached read of `read`, per `Sql` and per tenant of the work under way, for `ms` milliseconds. */
export function perPoolCache<T>(ms: number, read: (db: Sql) => Promise<T>) {
  const held = new WeakMap<Sql, Map<number, { at: number; value: Promise<T> }>>();
  const heldOf = (db: Sql) => {
    const byTenant = tenantsOf(held, db);
    return byTenant;
  };
  return {
    /** The cached value, or a fresh read when there is none or it is older than `ms`. */
    get(db: Sql, now = Date.now()): Promise<T> {
      const byTenant = heldOf(db);
      const tenant = currentTenant();
      const hit = byTenant.get(tenant);
      if (hit && now - hit.at < ms) return hit.value;
      const value = read(db);
      byTenant.set(tenant, { at: now, value });
      // A failed read is not kept: the next call tries again.
      value.catch(() => {
        if (byTenant.get(tenant)?.value === value) byTenant.delete(tenant);
      });
      return value;
    },
    /** Drops the cached value of `db` for the tenant under way, after a change to what it holds. */
    forget(db: Sql): void {
      held.get(db)?.delete(currentTenant());
    },
  };
}
