/** Input and output schemas of the platform operator's routes; they also feed the OpenAPI document. */
import { z } from "zod";
import { HostName, JurisdictionId, TenantSlug } from "../tenants/commands.ts";

/** The body of POST /api/v1/platform/tenants: a new tenant, made from a template. */
export const TenantInput = z.object({
  /** Its short name in paths (`/t/pinheiros`) and commands: lower case letters, digits and hyphens; unique. */
  slug: TenantSlug,
  /** The name people read: "Prefeitura de Pinheiros". */
  name: z.string().trim().min(1).max(120),
  /** What it starts with: empty, sao-paulo or subprefeitura:CODE (GET /api/v1/platform/templates lists them). */
  template: z.string().trim().min(1).max(40),
  /** Host names it answers on, lower case with an optional port; each one unique across the install. */
  hosts: z.array(HostName).max(20).default([]),
  /** Its Open311 jurisdiction_id, unique across the install; null or absent for none. */
  jurisdictionId: JurisdictionId.nullable().optional(),
});
export type TenantInput = z.infer<typeof TenantInput>;

/** The path parameters of one tenant's routes. */
export const TenantParams = z.object({
  /** The tenant's slug. */
  slug: TenantSlug,
});

/** The path parameters of one host of a tenant. */
export const TenantHostParams = TenantParams.extend({
  /** The host name to take away. */
  host: HostName,
});

/** The body of POST /api/v1/platform/tenants/:slug/suspend. */
export const SuspendInput = z.object({
  /** Why it is suspended ("contract ended"): kept on the tenant and in the audit log. */
  reason: z.string().trim().min(1).max(500),
});
export type SuspendInput = z.infer<typeof SuspendInput>;

/** The body of POST /api/v1/platform/tenants/:slug/hosts. */
export const HostInput = z.object({
  /** The host name it answers on too (lower case, optional port), no other tenant's. */
  host: HostName,
});

/** A tenant as the platform operator sees it. */
export const PlatformTenantView = z.object({
  id: z.number(),
  slug: z.string(),
  name: z.string(),
  /** provisioning while its template loads, then active; or suspended (by the operator, or when loading failed). */
  status: z.enum(["provisioning", "active", "suspended"]),
  /** The home tenant (id 1): the install's own, where the operator works; it cannot be suspended. */
  home: z.boolean(),
  hosts: z.array(z.string()),
  jurisdictionId: z.string().nullable(),
  createdAt: z.string(),
  suspendedAt: z.string().nullable(),
  suspendedReason: z.string().nullable(),
  /** What it holds, counted across tenants: its demands, active staff accounts and active services. */
  counts: z.object({ demands: z.number(), staffUsers: z.number(), services: z.number() }),
});
export type PlatformTenantView = z.infer<typeof PlatformTenantView>;

/** A template a tenant may be made from, its name and description in the caller's language. */
export const TemplateView = z.object({
  /** The value of `template` that names it; `subprefeitura` takes a code: `subprefeitura:11`. */
  template: z.enum(["empty", "sao-paulo", "subprefeitura"]),
  name: z.string(),
  description: z.string(),
  /** The subprefeituras of the shared open data (subprefeitura template only), by code. */
  subprefeituras: z.array(z.object({ code: z.string(), name: z.string() })).optional(),
});
export type TemplateView = z.infer<typeof TemplateView>;

/**
 * The payload of the `provision-tenant` job: the template to load, as the tenant of its outbox row, and the operator
 * who asked for it, named in the audit entry of its outcome (absent in jobs queued before this field).
 */
export const ProvisionPayload = z.object({
  template: z.string(),
  requestedBy: z.object({ staffId: z.number().int(), staffName: z.string() }).optional(),
});
export type ProvisionPayload = z.infer<typeof ProvisionPayload>;
