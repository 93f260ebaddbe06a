/**
 * Which tenant a request is for (decision 0059): the one whose path prefix it carries (`/t/santos/api/v1/...`,
 * where hosts are not available), else the one that answers on its host name (`santos.example`), else the default
 * tenant (a single-city install names no host). An unknown `/t/slug` is a 404; a suspended tenant answers 503.
 * Everything the request then runs (hooks, handler, transactions, the jobs it queues) is that tenant's work.
 */
import type { IncomingMessage } from "node:http";
import type { FastifyRequest } from "fastify";
import type { Sql } from "../db/index.ts";
import { AppError } from "../errors.ts";
import { DEFAULT_TENANT } from "./current.ts";
import { type Tenant, tenantDirectory } from "./queries.ts";

/** The prefix a tenant's paths carry: `/t/<slug>`. */
const TENANT_PATH = /^\/t\/([a-z0-9][a-z0-9-]{0,38}[a-z0-9])(?=\/|\?|$)/;

type Tagged = IncomingMessage & { tenantSlug?: string };

/**
 * Fastify's `rewriteUrl`: takes `/t/<slug>` off the path, so the routes are the same for every tenant, and keeps the
 * slug on the raw request for `tenantOfRequest`.
 */
export function stripTenantPath(req: IncomingMessage): string {
  const url = req.url ?? "/";
  const match = TENANT_PATH.exec(url);
  if (!match) return url;
  (req as Tagged).tenantSlug = match[1];
  const rest = url.slice(match[0].length);
  return rest === "" || rest.startsWith("?") ? `/${rest}` : rest;
}

/** The slug of the `/t/<slug>` prefix the request came with, if any. */
export function tenantSlugOf(req: FastifyRequest): string | undefined {
  return (req.raw as Tagged).tenantSlug;
}

/** The host a request names, lower-cased, with and without its port. */
function hostsOf(req: FastifyRequest): string[] {
  const host = (req.headers.host ?? "").toLowerCase();
  if (host === "") return [];
  const bare = host.replace(/:\d+$/, "");
  return bare === host ? [host] : [host, bare];
}

/** The tenant of a request; throws the 404 or 503 problem the request is answered with. */
export async function tenantOfRequest(sql: Sql, req: FastifyRequest): Promise<Tenant> {
  const directory = await tenantDirectory(sql);
  const slug = tenantSlugOf(req);
  let tenant: Tenant | undefined;
  if (slug !== undefined) {
    tenant = directory.bySlug.get(slug);
    if (!tenant) throw new AppError(404, "tenant_not_found", { what: `/t/${slug}` });
  } else {
    for (const host of hostsOf(req)) {
      tenant = directory.byHost.get(host);
      if (tenant) break;
    }
    // One Open311 endpoint may serve every tenant: a GeoReport call on a host of no tenant names its city by
    // jurisdiction_id in the query (a POST naming one in its body only is checked against its tenant's, open311/).
    if (!tenant && req.url.startsWith("/open311/")) {
      const jurisdiction = (req.query as Record<string, unknown> | undefined)?.jurisdiction_id;
      if (typeof jurisdiction === "string") tenant = directory.byJurisdiction.get(jurisdiction);
    }
    tenant ??= directory.byId.get(DEFAULT_TENANT);
  }
  if (!tenant) throw new AppError(404, "tenant_not_found", { what: hostsOf(req)[0] ?? "?" });
  // A tenant whose template is still loading (the operator's job) opens in minutes; a suspended one, not soon.
  if (tenant.status === "provisioning") {
    throw new AppError(503, "tenant_opening", { name: tenant.name }, [], { "retry-after": "60" });
  }
  if (tenant.status !== "active") {
    throw new AppError(503, "tenant_suspended", { name: tenant.name }, [], { "retry-after": "3600" });
  }
  return tenant;
}

/** The tenant path prefix a request came with ("/t/santos"), or "" (its host named its tenant, or none did). */
export function tenantPathOf(req: FastifyRequest): string {
  const slug = tenantSlugOf(req);
  return slug === undefined ? "" : `/t/${slug}`;
}

/**
 * A redirect the application answers names a path of its own ("/minhas-solicitacoes"): under a tenant's prefix it
 * must stay there. Fastify's onSend hook: prefixes a relative Location of a request that came with `/t/<slug>`.
 */
export function keepTenantPathInRedirect(req: FastifyRequest, location: string): string {
  const base = tenantPathOf(req);
  if (base === "" || !location.startsWith("/") || location.startsWith("//")) return location;
  return location === base || location.startsWith(`${base}/`) ? location : `${base}${location}`;
}

/**
 * The name and path of a cookie of the tenant a request is for (a session, a sign-in flow). Tenants on their own
 * hosts have their own cookie jars; tenants under `/t/<slug>` of one host share the host's, so each gets the name
 * suffixed with its slug and its prefix as the path: signing in to one never replaces or reaches another's session,
 * the default tenant's (path "/") included.
 */
export function tenantCookie(req: FastifyRequest, name: string, path = "/"): { name: string; path: string } {
  const slug = tenantSlugOf(req);
  if (slug === undefined) return { name, path };
  return { name: `${name}-${slug}`, path: `/t/${slug}${path === "/" ? "" : path}` };
}

/** The value of cookie `name` of the request's tenant (see tenantCookie). */
export function tenantCookieValue(req: FastifyRequest, name: string): string | undefined {
  return req.cookies?.[tenantCookie(req, name).name] || undefined;
}
