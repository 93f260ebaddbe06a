/**
 * The inbound adapters of the tenant under way (WhatsApp Cloud API, Twilio, Telegram, Kannel), built from its
 * effective providers (server/messaging-providers/settings.ts: the city's own accounts, else the install's) and kept
 * while those stay the same, like the outbound ones: the webhooks verify and parse with them, so a city's webhooks
 * take only requests signed with its own secrets; the conversation step fetches media with them.
 */
import { createInboundAdapters, type InboundAdapters } from "../../channels/index.ts";
import type { Config } from "../config.ts";
import type { AppContext } from "../context.ts";
import { tenantMessaging } from "../messaging-providers/settings.ts";
import { channelOptionsOf, fingerprintOf } from "../notifications/jobs.ts";
import { currentTenant, tenantsOf } from "../tenants/current.ts";
import { tenantPublicUrl } from "../tenants/public-url.ts";

const built = new WeakMap<Config, Map<number, { fingerprint: string; adapters: InboundAdapters }>>();

/** The inbound adapters of the tenant under way, by webhook. */
export async function inboundAdaptersOf(ctx: Pick<AppContext, "config" | "db">): Promise<InboundAdapters> {
  const options = channelOptionsOf(ctx.config, await tenantMessaging(ctx), await tenantPublicUrl(ctx));
  const fingerprint = fingerprintOf(options);
  const byTenant = tenantsOf(built, ctx.config);
  const held = byTenant.get(currentTenant());
  if (held?.fingerprint === fingerprint) return held.adapters;
  const adapters = createInboundAdapters(options);
  byTenant.set(currentTenant(), { fingerprint, adapters });
  return adapters;
}
