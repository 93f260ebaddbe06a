/**
 * What a process keeps of a tenant's settings for a few seconds (its sign-in and messaging providers): read from the
 * tenant's rows at most once in `ms` per tenant, so a change made in another process reaches this one within it;
 * a failed read is not kept. `forget` drops the current tenant's copy (after its admin changed it here).
 */
import { tenantKey } from "./current.ts";

export interface HeldPerTenant<T> {
  /** The current tenant's value: the one kept if younger than `ms`, else `read()`'s. */
  get(read: () => Promise<T>, now?: number): Promise<T>;
  /** Drops the current tenant's kept value. */
  forget(): void;
}

/** Every kept value of this process, by kind. */
const everyHeld: Map<string, unknown>[] = [];

export function heldPerTenant<T>(name: string, ms: number): HeldPerTenant<T> {
  const held = new Map<string, { at: number; value: Promise<T> }>();
  everyHeld.push(held);
  return {
    get(read, now = Date.now()) {
      const key = tenantKey(name);
      const hit = held.get(key);
      if (hit && now - hit.at < ms) return hit.value;
      const value = read();
      held.set(key, { at: now, value });
      value.catch(() => {
        if (held.get(key)?.value === value) held.delete(key);
      });
      return value;
    },
    forget() {
      held.delete(tenantKey(name));
    },
  };
}

/** Drops every tenant's kept values of every kind (a test shard between files: each file has a database of its own). */
export function forgetEveryHeld(): void {
  for (const held of everyHeld) held.clear();
}
