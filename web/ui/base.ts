/**
 * The tenant path prefix a page was opened under (decision 0059, docs/tenants.md): `/t/santos/portal` is Santos's
 * portal, and every same-origin URL the page builds (its API calls, event streams, links, router paths, service
 * worker) must carry `/t/santos` too, or it reaches the tenant of the bare host. The apps think in paths without the
 * prefix ("/demanda/123", "/api/v1/services"): `inBase` adds it where a URL leaves the app (api.ts, withLang,
 * navigate, EventSource, fetch), `outOfBase` takes it off where one comes in (useLocation). Hashed files under
 * `/assets/` are the same for every tenant and stay absolute.
 */

/** The prefix of a tenant's paths, as the server reads it (server/tenants/http.ts TENANT_PATH). */
const TENANT_PATH = /^\/t\/[a-z0-9][a-z0-9-]{0,38}[a-z0-9](?=\/|$)/;

/** The tenant prefix `pathname` starts with ("/t/santos"), or "" for none. */
export function tenantBaseOf(pathname: string): string {
  return TENANT_PATH.exec(pathname)?.[0] ?? "";
}

// Read once at load: the app never leaves its tenant, and history changes below the prefix do not change it. In a
// service worker, `location` is the worker script's, which is registered under the same prefix.
const BASE = typeof location === "undefined" ? "" : tenantBaseOf(location.pathname);

/** The page's tenant prefix: "/t/<slug>" when it was opened under one, else "" (its host names the tenant). */
export function tenantBase(): string {
  return BASE;
}

/**
 * A same-origin absolute path ("/api/v1/x?y", "/demanda/1") under the tenant prefix. Anything else (a full URL,
 * "//host", "#id", "?q", "blob:") is returned as it is, and so is a path that already carries the prefix (one the
 * server answered with, or built twice), so it may be applied at every exit without counting.
 */
export function inBase(path: string, base = BASE): string {
  if (base === "" || !path.startsWith("/") || path.startsWith("//")) return path;
  if (path.startsWith(base) && /^([/?#]|$)/.test(path.slice(base.length))) return path;
  return `${base}${path}`;
}

/** A path of the page without the tenant prefix: what the apps' routes match ("/t/santos/demanda/1" → "/demanda/1"). */
export function outOfBase(pathname: string, base = BASE): string {
  if (base === "" || !(pathname === base || pathname.startsWith(`${base}/`))) return pathname;
  return pathname.slice(base.length) || "/";
}
