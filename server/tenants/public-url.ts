/**
 * The address a tenant is reached at (issue 16), the start of every link the platform writes for it: the tracking
 * link in a message to a citizen, a receipt's, an area follow's, the redirect URIs registered at gov.br and the
 * city's provider, Open311 discovery, the URL a provider signs a webhook with. The default tenant's is PUBLIC_URL, as
 * in a single-city install; a tenant with a host of its own is that host (with PUBLIC_URL's scheme); any other is
 * PUBLIC_URL followed by its `/t/<slug>` prefix. Nothing to configure per tenant: the operator's hosts decide.
 */
import type { AppContext } from "../context.ts";
import { ACROSS_TENANTS, currentTenant, DEFAULT_TENANT } from "./current.ts";
import { type Tenant, tenantDirectory } from "./queries.ts";

/** The public address of `tenant` (no trailing slash), given the install's PUBLIC_URL. */
export function publicUrlOfTenant(
  tenant: Pick<Tenant, "id" | "slug" | "hosts"> | undefined,
  publicUrl: string,
): string {
  if (!tenant || tenant.id === DEFAULT_TENANT) return publicUrl;
  const host = tenant.hosts[0];
  if (host) return `${new URL(publicUrl).protocol}//${host}`;
  return `${publicUrl}/t/${tenant.slug}`;
}

/** The public address of the tenant of the work under way (a request's, a job's). */
export async function tenantPublicUrl(ctx: Pick<AppContext, "db" | "config">): Promise<string> {
  const id = currentTenant();
  if (id === DEFAULT_TENANT || id === ACROSS_TENANTS) return ctx.config.publicUrl;
  const directory = await tenantDirectory(ctx.db);
  return publicUrlOfTenant(directory.byId.get(id), ctx.config.publicUrl);
}
