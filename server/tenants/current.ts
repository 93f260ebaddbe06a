/**
 * The tenant of the work being done now (decision 0059): an HTTP request's tenant (its host or /t/slug), a job's
 * (the tenant that queued it), or the default tenant of a single-city install. The database layer sends it with
 * every statement, and row-level security keeps every other tenant's rows out of reach.
 */
import { AsyncLocalStorage } from "node:async_hooks";

/** The tenant of an install's existing data and of work that names no tenant: the single city. */
export const DEFAULT_TENANT = 1;

/**
 * Work across every tenant: the owner's role, which row-level security does not bind. Only for the platform's own
 * work (migrations, claiming jobs of every tenant, the operator's tenant commands, backups), never for a request's.
 */
export const ACROSS_TENANTS = 0;

const store = new AsyncLocalStorage<number>();

/** Runs `fn` (and everything it awaits) as work of tenant `tenant`. */
export function runAsTenant<T>(tenant: number, fn: () => T): T {
  if (!Number.isSafeInteger(tenant) || tenant < 1) throw new Error(`not a tenant id: ${tenant}`);
  return store.run(tenant, fn);
}

/** Runs `fn` across every tenant (see ACROSS_TENANTS). */
export function runAcrossTenants<T>(fn: () => T): T {
  return store.run(ACROSS_TENANTS, fn);
}

/** The tenant of the work under way: ACROSS_TENANTS, a tenant's id, or DEFAULT_TENANT outside any. */
export function currentTenant(): number {
  return store.getStore() ?? DEFAULT_TENANT;
}

/** `key` qualified by the tenant under way: the key of a per-process cache of a tenant's rows. */
export function tenantKey(key: string | number): string {
  return `${currentTenant()}:${key}`;
}

/** The per-tenant map `outer` holds for `key` (a database, a pool), made empty on first use. */
export function tenantsOf<K extends object, V>(outer: WeakMap<K, Map<number, V>>, key: K): Map<number, V> {
  let inner = outer.get(key);
  if (!inner) {
    inner = new Map();
    outer.set(key, inner);
  }
  return inner;
}
