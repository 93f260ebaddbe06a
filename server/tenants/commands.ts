/**
 * The platform operator's work on tenants (decision 0059): create one from a template, suspend it, resume it, give it
 * host names. Each is the install's own work, across tenants; a new tenant's starting rows and content are then
 * written as that tenant, so row-level security checks them like any other write of it.
 */
import { z } from "zod";
import type { Db } from "../db/index.ts";
import { isUniqueViolation } from "../db/index.ts";
import { AppError } from "../errors.ts";
import { runAcrossTenants, runAsTenant } from "./current.ts";
import { forgetTenants } from "./queries.ts";

const SLUG = /^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$/;
const HOST = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?$/;

/** A tenant's slug: its `/t/<slug>` prefix and its name in the operator's commands. */
export const TenantSlug = z.string().regex(SLUG);
/** A host name a tenant answers on (lower case, optional port). */
export const HostName = z.string().toLowerCase().regex(HOST).max(253);
/** An Open311 jurisdiction_id, unique across the install. */
export const JurisdictionId = z.string().regex(/^[a-z0-9][a-z0-9.-]{0,99}$/);

/** What a new tenant is made with. */
export const NewTenant = z.object({
  slug: TenantSlug,
  name: z.string().trim().min(1).max(120),
  /** Host names it answers on (lower case, optional port). */
  hosts: z.array(HostName).max(20).default([]),
  /** Its Open311 jurisdiction_id, unique across the install. */
  jurisdictionId: JurisdictionId.optional(),
});
export type NewTenant = z.input<typeof NewTenant>;

/**
 * Fills a new tenant's content, as that tenant (the seed of a template). Given the tenant's id; runs after the
 * tenant and its starting rows are committed.
 */
export type TenantContent = (db: Db, tenantId: number) => Promise<void>;

/**
 * Creates a tenant: its row and hosts (across tenants), its starting rows (as itself: calendar settings, alarm rules,
 * cursors, keys), then `content` as itself. A slug, host or jurisdiction already taken is a 409. When `content`
 * fails, the tenant stays, suspended, with the reason: the operator fixes the cause and seeds again.
 */
export async function createTenant(db: Db, input: NewTenant, content?: TenantContent): Promise<number> {
  const tenant = NewTenant.parse(input);
  let id: number;
  try {
    id = await runAcrossTenants(() =>
      db.transaction(async (tx) => {
        const [row] = await tx.query<{ id: number }>(
          "INSERT INTO tenants (slug, name, jurisdiction_id) VALUES ($1, $2, $3) RETURNING id",
          [tenant.slug, tenant.name, tenant.jurisdictionId ?? null],
        );
        if (tenant.hosts.length > 0) {
          await tx.query("INSERT INTO tenant_hosts (host, tenant_id) SELECT unnest($1::text[]), $2", [
            tenant.hosts,
            row!.id,
          ]);
        }
        return row!.id;
      }),
    );
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError(409, "tenant_taken", { slug: tenant.slug });
    throw error;
  }
  forgetTenants(db);
  await runAsTenant(id, () => db.query("SELECT responsiva_tenant_starting_rows()"));
  if (content) {
    try {
      await runAsTenant(id, () => content(db, id));
    } catch (error) {
      await setTenantStatus(db, tenant.slug, "suspended", `content failed: ${(error as Error).message}`);
      throw error;
    }
  }
  return id;
}

/** Suspends a tenant (its requests answer 503, its periodic work waits) or makes it active again. */
export async function setTenantStatus(
  db: Db,
  slug: string,
  status: "active" | "suspended",
  reason?: string,
): Promise<void> {
  const rows = await runAcrossTenants(() =>
    db.query(
      `UPDATE tenants SET status = $2,
              suspended_at = CASE WHEN $2 = 'suspended' THEN now() END,
              suspended_reason = CASE WHEN $2 = 'suspended' THEN $3 END
        WHERE slug = $1 RETURNING id`,
      [slug, status, reason?.slice(0, 500) ?? null],
    ),
  );
  if (rows.length === 0) throw new AppError(404, "tenant_not_found", { what: slug });
  forgetTenants(db);
}

/** Gives a tenant another host name (409 when another tenant has it). */
export async function addTenantHost(db: Db, slug: string, host: string): Promise<void> {
  const name = HostName.parse(host);
  try {
    const rows = await runAcrossTenants(() =>
      db.query(
        "INSERT INTO tenant_hosts (host, tenant_id) SELECT $2, id FROM tenants WHERE slug = $1 RETURNING host",
        [slug, name],
      ),
    );
    if (rows.length === 0) throw new AppError(404, "tenant_not_found", { what: slug });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError(409, "tenant_taken", { slug: name });
    throw error;
  }
  forgetTenants(db);
}
