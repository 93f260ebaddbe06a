/**
 * Each tenant's OpenID providers (issue 16): gov.br for its citizens and its own provider for its staff, set by the
 * city's admin and kept in `sign_in_providers` under row-level security, secrets included (they never leave the
 * server: the routes say only whether one is set). The default tenant may instead be configured by the environment
 * (GOVBR_*, STAFF_OIDC_*, server/config-sign-in.ts), as a single-city install always was; the environment then wins
 * and the stored rows of that provider are refused. A process keeps what it read for a few seconds per tenant.
 */
import type { GovbrSettings, OidcClientSettings } from "../config-sign-in.ts";
import type { AppContext } from "../context.ts";
import type { Db, Sql } from "../db/index.ts";
import { currentTenant, DEFAULT_TENANT } from "../tenants/current.ts";
import { heldPerTenant } from "../tenants/held.ts";

/** gov.br's production API host, where confidence levels are read, unless a tenant names another (staging). */
export const GOVBR_API = "https://api.acesso.gov.br";

/** How long a process keeps a tenant's providers: a change reaches every process within it. */
export const PROVIDERS_CACHE_MS = 5_000;

/** The providers a tenant configured. */
export interface StoredSignIn {
  govbr?: GovbrSettings;
  city?: OidcClientSettings;
}

interface ProviderRow {
  provider: "govbr" | "city";
  issuer: string;
  client_id: string;
  client_secret: string;
  confidence_api: string | null;
}

const held = heldPerTenant<StoredSignIn>("sign-in", PROVIDERS_CACHE_MS);

async function readStored(sql: Sql): Promise<StoredSignIn> {
  const rows = await sql.query<ProviderRow>(
    "SELECT provider, issuer, client_id, client_secret, confidence_api FROM sign_in_providers",
  );
  const stored: StoredSignIn = {};
  for (const r of rows) {
    const client = { issuer: r.issuer, clientId: r.client_id, clientSecret: r.client_secret };
    if (r.provider === "govbr") stored.govbr = { ...client, confidenceApi: r.confidence_api ?? GOVBR_API };
    else stored.city = client;
  }
  return stored;
}

/** The providers the tenant of the work under way stored, read at most every PROVIDERS_CACHE_MS. */
export function storedSignIn(db: Db, now = Date.now()): Promise<StoredSignIn> {
  return held.get(() => readStored(db), now);
}

/** Forgets this process's copy of the current tenant's providers (after its admin changed them here). */
export function forgetStoredSignIn(): void {
  held.forget();
}

/** The providers the environment configures for the tenant under way: only the default tenant's. */
export function environmentSignIn(ctx: Pick<AppContext, "config">): StoredSignIn {
  if (currentTenant() !== DEFAULT_TENANT) return {};
  const { govbr, city } = ctx.config.signIn;
  return { ...(govbr ? { govbr } : {}), ...(city ? { city } : {}) };
}

/** The tenant's providers: the environment's where it configures one (the default tenant), else the stored. */
export async function tenantSignIn(ctx: Pick<AppContext, "config" | "db">): Promise<StoredSignIn> {
  const env = environmentSignIn(ctx);
  const stored = await storedSignIn(ctx.db);
  const govbr = env.govbr ?? stored.govbr;
  const city = env.city ?? stored.city;
  return { ...(govbr ? { govbr } : {}), ...(city ? { city } : {}) };
}
