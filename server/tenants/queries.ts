/**
 * Reading the tenants (decision 0059): which tenant a request is for (its host, or `/t/slug`), and which tenants the
 * scheduler serves. The tenants table is the install's own (no row-level security); the application reads it and only
 * the platform operator's work across tenants writes it. A process keeps what it read for a few seconds.
 */
import type { Sql } from "../db/index.ts";

/** A tenant's state: being prepared (its template loading: migration 0066), active, or suspended. */
export type TenantStatus = "provisioning" | "active" | "suspended";

export interface Tenant {
  id: number;
  slug: string;
  name: string;
  status: TenantStatus;
  jurisdictionId: string | null;
  branding: Record<string, unknown>;
  hosts: string[];
}

interface TenantRow {
  id: number;
  slug: string;
  name: string;
  status: TenantStatus;
  jurisdiction_id: string | null;
  branding: Record<string, unknown>;
  hosts: string[];
}

const TENANTS_SQL = `SELECT t.id, t.slug, t.name, t.status, t.jurisdiction_id, t.branding,
       coalesce(array_agg(h.host ORDER BY h.host) FILTER (WHERE h.host IS NOT NULL), '{}') AS hosts
  FROM tenants t LEFT JOIN tenant_hosts h ON h.tenant_id = t.id
 GROUP BY t.id ORDER BY t.id`;

const toTenant = (r: TenantRow): Tenant => ({
  id: r.id,
  slug: r.slug,
  name: r.name,
  status: r.status,
  jurisdictionId: r.jurisdiction_id,
  branding: r.branding,
  hosts: r.hosts,
});

/** Every tenant, in id order. */
export async function listTenants(sql: Sql): Promise<Tenant[]> {
  return (await sql.query<TenantRow>(TENANTS_SQL)).map(toTenant);
}

/** How long a process keeps the tenants it read: a new tenant or a suspension reaches every process within it. */
export const TENANTS_CACHE_MS = 5_000;

/** The tenants as this process knows them: by id, slug, host and jurisdiction. */
export interface TenantDirectory {
  all: Tenant[];
  byId: Map<number, Tenant>;
  bySlug: Map<string, Tenant>;
  byHost: Map<string, Tenant>;
  byJurisdiction: Map<string, Tenant>;
}

const held = new WeakMap<Sql, { at: number; value: Promise<TenantDirectory> }>();

/** The tenants, read at most every TENANTS_CACHE_MS per database. */
export function tenantDirectory(sql: Sql, now = Date.now()): Promise<TenantDirectory> {
  const hit = held.get(sql);
  if (hit && now - hit.at < TENANTS_CACHE_MS) return hit.value;
  const value = listTenants(sql).then((all) => ({
    all,
    byId: new Map(all.map((t) => [t.id, t])),
    bySlug: new Map(all.map((t) => [t.slug, t])),
    byHost: new Map(all.flatMap((t) => t.hosts.map((h) => [h, t] as const))),
    byJurisdiction: new Map(all.flatMap((t) => (t.jurisdictionId ? [[t.jurisdictionId, t] as const] : []))),
  }));
  held.set(sql, { at: now, value });
  value.catch(() => {
    if (held.get(sql)?.value === value) held.delete(sql);
  });
  return value;
}

/** Forgets this process's copy (after the operator changed a tenant here). */
export function forgetTenants(sql: Sql): void {
  held.delete(sql);
}

/** The ids of the active tenants, for the scheduler. */
export async function activeTenantIds(sql: Sql): Promise<number[]> {
  return (await tenantDirectory(sql)).all.filter((t) => t.status === "active").map((t) => t.id);
}
