/**
 * Each tenant's own messaging providers (issue 16): the accounts a city's admin stored in `messaging_providers`
 * under row-level security, secrets included (they never leave the server), and the install's, configured by the
 * environment (server/config-messaging.ts, SMTP_URL and MAIL_FROM). A tenant's messages go out, and its webhooks are
 * checked, with its **effective** providers: for each, the tenant's stored account, else the install's, so a
 * single-city install and a city that set nothing behave as before. The default tenant is the install's own: where
 * the environment configures a provider it wins there, and a stored row of it is refused (409). A process keeps
 * what it read for a few seconds per tenant, like the sign-in providers (server/access/sign-in-settings.ts).
 */
import type { MessagingSettings } from "../config-messaging.ts";
import type { AppContext } from "../context.ts";
import type { Sql } from "../db/index.ts";
import { ACROSS_TENANTS, currentTenant, DEFAULT_TENANT } from "../tenants/current.ts";
import { heldPerTenant } from "../tenants/held.ts";
import { MESSAGING_PROVIDERS, type MessagingProvider, PROVIDER_SCHEMAS, PUBLIC_API_URLS } from "./schemas.ts";

/** How long a process keeps a tenant's providers: a change reaches every process within it. */
export const MESSAGING_CACHE_MS = 5_000;

/** The SMTP relay and the From of a tenant's e-mails; without a relay e-mails are written as files. */
export interface EmailAccount {
  smtpUrl?: string | undefined;
  mailFrom: string;
}

/** Accounts by provider, in the shapes the adapters take. */
export interface MessagingAccounts {
  whatsapp?: NonNullable<MessagingSettings["whatsapp"]>;
  telegram?: NonNullable<MessagingSettings["telegram"]>;
  twilio?: NonNullable<MessagingSettings["twilio"]>;
  kannel?: NonNullable<MessagingSettings["kannel"]>;
  email?: EmailAccount;
}

/** Where a tenant's provider comes from. */
export type ProviderSource = "environment" | "tenant" | "none";

/** The accounts a tenant will send with: e-mail always (the install's From and file folder at least). */
export type TenantMessaging = MessagingAccounts & { email: EmailAccount };

interface ProviderRow {
  provider: MessagingProvider;
  settings: Record<string, unknown>;
  secrets: Record<string, unknown>;
}

const held = heldPerTenant<MessagingAccounts>("messaging", MESSAGING_CACHE_MS);

type ApiUrls = MessagingSettings["apiUrls"];

/**
 * A stored row as the account it is (checked again: a row changed by hand fails loudly, never half-used), at the
 * install's API base URL of its provider: a city sets its account, never the address the server calls.
 */
function accountOf(row: ProviderRow, apiUrls: ApiUrls): unknown {
  const { settings, secrets } = PROVIDER_SCHEMAS[row.provider];
  const account = settings.extend(secrets.shape).parse({ ...row.settings, ...row.secrets });
  if (row.provider === "kannel" || row.provider === "email") return account;
  return { ...account, apiUrl: apiUrls?.[row.provider] ?? PUBLIC_API_URLS[row.provider] };
}

async function readStored(sql: Sql, apiUrls: ApiUrls): Promise<MessagingAccounts> {
  const rows = await sql.query<ProviderRow>("SELECT provider, settings, secrets FROM messaging_providers");
  const stored: Record<string, unknown> = {};
  for (const row of rows) stored[row.provider] = accountOf(row, apiUrls);
  return stored as MessagingAccounts;
}

/** The accounts the tenant of the work under way stored, read at most every MESSAGING_CACHE_MS. */
export function storedMessaging(
  ctx: Pick<AppContext, "config" | "db">,
  now = Date.now(),
): Promise<MessagingAccounts> {
  // Work across tenants is no tenant's: it would otherwise read every tenant's rows.
  if (currentTenant() === ACROSS_TENANTS) return Promise.resolve({});
  return held.get(() => readStored(ctx.db, ctx.config.messaging.apiUrls), now);
}

/** Forgets this process's copy of the current tenant's accounts (after its admin changed them here). */
export function forgetStoredMessaging(): void {
  held.forget();
}

/** The install's providers, those its environment configures (e-mail: when SMTP_URL is set). */
export function environmentMessaging(ctx: Pick<AppContext, "config">): MessagingAccounts {
  const { config } = ctx;
  const { whatsapp, telegram, twilio, kannel } = config.messaging;
  return {
    ...(whatsapp ? { whatsapp } : {}),
    ...(telegram ? { telegram } : {}),
    ...(twilio ? { twilio } : {}),
    ...(kannel ? { kannel } : {}),
    ...(config.smtpUrl ? { email: { smtpUrl: config.smtpUrl, mailFrom: config.mailFrom } } : {}),
  };
}

/** Whether the environment keeps `provider` for the tenant under way: the default tenant's, where it configures one. */
export function isSetByEnvironment(env: MessagingAccounts, provider: MessagingProvider): boolean {
  return env[provider] !== undefined && [DEFAULT_TENANT, ACROSS_TENANTS].includes(currentTenant());
}

/**
 * Where the tenant under way's `provider` comes from: the environment's when it keeps it (isSetByEnvironment), else
 * the tenant's stored account, else the install's, else none.
 */
export function sourceOf(
  provider: MessagingProvider,
  env: MessagingAccounts,
  stored: MessagingAccounts,
): ProviderSource {
  if (isSetByEnvironment(env, provider)) return "environment";
  if (stored[provider]) return "tenant";
  return env[provider] ? "environment" : "none";
}

/** The accounts the tenant of the work under way sends with and checks its webhooks with. */
export async function tenantMessaging(ctx: Pick<AppContext, "config" | "db">): Promise<TenantMessaging> {
  const env = environmentMessaging(ctx);
  const stored = await storedMessaging(ctx);
  const chosen: Record<string, unknown> = {};
  for (const provider of MESSAGING_PROVIDERS) {
    const source = sourceOf(provider, env, stored);
    if (source !== "none") chosen[provider] = (source === "tenant" ? stored : env)[provider];
  }
  const accounts = chosen as MessagingAccounts;
  // No relay anywhere: the install's From, written as files into DATA_DIR/mail as a single-city install does.
  return { ...accounts, email: accounts.email ?? { mailFrom: ctx.config.mailFrom } };
}
