/**
 * What the platform operator reads: every tenant with its hosts and a few counts (read across tenants, as the
 * install's own work), and the templates a tenant can be made from, with São Paulo's subprefeituras.
 */
import { subprefeiturasOf } from "../areas/seed.ts";
import type { Sql } from "../db/index.ts";
import { type Locale, translate } from "../i18n.ts";
import { DEFAULT_TENANT, runAcrossTenants } from "../tenants/current.ts";
import type { TenantStatus } from "../tenants/queries.ts";
import type { PlatformTenantView, TemplateView } from "./schemas.ts";

interface TenantRow {
  id: number;
  slug: string;
  name: string;
  status: TenantStatus;
  jurisdiction_id: string | null;
  created_at: Date | string;
  suspended_at: Date | string | null;
  suspended_reason: string | null;
  hosts: string[];
  demands: number;
  staff_users: number;
  services: number;
}

// Each count reads one tenant's rows by an index whose first column is tenant_id.
const TENANTS_SQL = `SELECT t.id, t.slug, t.name, t.status, t.jurisdiction_id, t.created_at, t.suspended_at,
       t.suspended_reason,
       coalesce((SELECT array_agg(h.host ORDER BY h.host) FROM tenant_hosts h WHERE h.tenant_id = t.id), '{}')
         AS hosts,
       (SELECT count(*) FROM demands d WHERE d.tenant_id = t.id)::int AS demands,
       (SELECT count(*) FROM staff_users s WHERE s.tenant_id = t.id AND s.active)::int AS staff_users,
       (SELECT count(*) FROM services v WHERE v.tenant_id = t.id AND v.active)::int AS services
  FROM tenants t
 WHERE $1::text IS NULL OR t.slug = $1
 ORDER BY t.id`;

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

function presentTenant(r: TenantRow): PlatformTenantView {
  return {
    id: r.id,
    slug: r.slug,
    name: r.name,
    status: r.status,
    home: r.id === DEFAULT_TENANT,
    hosts: r.hosts,
    jurisdictionId: r.jurisdiction_id,
    createdAt: iso(r.created_at)!,
    suspendedAt: iso(r.suspended_at),
    suspendedReason: r.suspended_reason,
    counts: { demands: r.demands, staffUsers: r.staff_users, services: r.services },
  };
}

/** Every tenant of the install, in id order, with its hosts and counts. */
export async function listPlatformTenants(sql: Sql): Promise<PlatformTenantView[]> {
  const rows = await runAcrossTenants(() => sql.query<TenantRow>(TENANTS_SQL, [null]));
  return rows.map(presentTenant);
}

/** One tenant by its slug, or undefined. */
export async function findPlatformTenant(sql: Sql, slug: string): Promise<PlatformTenantView | undefined> {
  const [row] = await runAcrossTenants(() => sql.query<TenantRow>(TENANTS_SQL, [slug]));
  return row ? presentTenant(row) : undefined;
}

/**
 * The subprefeituras of the shared open data by code (empty when the data is not there: only the empty template
 * can be loaded then, and the others fail as their job starts).
 */
export function subprefeiturasAvailable(sharedDataDir: string): Map<string, string> {
  try {
    return subprefeiturasOf(sharedDataDir);
  } catch {
    return new Map();
  }
}

/** The templates, named and described in `locale`; the subprefeitura template lists its codes. */
export function listTemplates(sharedDataDir: string, locale: Locale): TemplateView[] {
  const text = (template: string, what: string) =>
    translate(locale, `platform.templates.${template}.${what}`);
  const subprefeituras = [...subprefeiturasAvailable(sharedDataDir)].map(([code, name]) => ({ code, name }));
  return (["empty", "sao-paulo", "subprefeitura"] as const).map((template) => ({
    template,
    name: text(template, "name"),
    description: text(template, "description"),
    ...(template === "subprefeitura" ? { subprefeituras } : {}),
  }));
}
