/**
 * What the routes say of a tenant's messaging providers: for each, where it comes from, its shown fields (picked by
 * name from the provider's schema of shown fields, so a secret can never slip into an answer), whether its secrets
 * are set, and the webhook address to register at the provider (the tenant's, server/tenants/public-url.ts).
 */
import type { AppContext } from "../context.ts";
import { MESSAGING_PROVIDERS, type MessagingProvider, PROVIDER_SCHEMAS } from "./schemas.ts";
import { environmentMessaging, isSetByEnvironment, type MessagingAccounts, sourceOf } from "./settings.ts";

/** The webhook each provider calls, under the tenant's address (Kannel's delivery reports find their own way). */
const WEBHOOK_PATHS: Partial<Record<MessagingProvider, string>> = {
  whatsapp: "/webhooks/whatsapp",
  telegram: "/webhooks/telegram",
  twilio: "/webhooks/twilio/messaging",
  kannel: "/webhooks/kannel/sms",
};

/** An SMTP URL's scheme, host and port: its user and password left out. */
function serverOf(smtpUrl: unknown): string | null {
  if (typeof smtpUrl !== "string") return null;
  const url = new URL(smtpUrl);
  return `${url.protocol}//${url.host}`;
}

function shownOf(provider: MessagingProvider, account: Record<string, unknown>): Record<string, unknown> {
  const shown = Object.fromEntries(
    Object.keys(PROVIDER_SCHEMAS[provider].settings.shape)
      .filter((k) => account[k] !== undefined)
      .map((k) => [k, account[k]]),
  );
  return provider === "email" ? { ...shown, server: serverOf(account.smtpUrl) } : shown;
}

/** The view of every provider of the tenant under way, given its stored accounts and its public address. */
export function presentMessagingProviders(
  ctx: Pick<AppContext, "config">,
  stored: MessagingAccounts,
  publicUrl: string,
) {
  const env = environmentMessaging(ctx);
  const one = (provider: MessagingProvider) => {
    const source = sourceOf(provider, env, stored);
    const account = (source === "tenant" ? stored : source === "environment" ? env : {})[provider] as
      | Record<string, unknown>
      | undefined;
    const path = WEBHOOK_PATHS[provider];
    return {
      source,
      // The install's own, kept by its environment (the default tenant): PUT and DELETE answer 409. A city that
      // uses the install's account (source "environment", readOnly false) may set its own.
      readOnly: isSetByEnvironment(env, provider),
      settings: account ? shownOf(provider, account) : null,
      secretSet: account !== undefined,
      ...(path ? { webhookUrl: `${publicUrl}${path}` } : {}),
    };
  };
  return Object.fromEntries(MESSAGING_PROVIDERS.map((p) => [p, one(p)])) as Record<
    MessagingProvider,
    ReturnType<typeof one>
  >;
}
