/**
 * The `send-message` job: one message to a citizen, from its outbox row. It plans the message (channel, language,
 * text), records each attempt before calling the adapter and the outcome after, and tries the next channel when
 * one refuses for good. A delivered message is three statements: the plan's read, the row with its first attempt,
 * the outcome with the row done (server/notifications/round-trips.test.ts counts them). A temporary failure is
 * retried with the runner's backoff; when no channel is left, or the attempts run out, the row goes dead and `onDead` raises the `delivery_failed` alarm in that same transaction.
 */
import { createHash } from "node:crypto";
import {
  type ChannelAdapter,
  type Channels,
  type ChannelsOptions,
  closeChannels,
  createChannels,
  DeliveryError,
  type OutboundChannel,
} from "../../channels/index.ts";
import type { Config } from "../config.ts";
import type { AppContext } from "../context.ts";
import { ratingChoicesFor } from "../conversations/survey.ts";
import { type Job, PermanentError } from "../jobs/runner.ts";
import { type TenantMessaging, tenantMessaging } from "../messaging-providers/settings.ts";
import { currentTenant, tenantsOf } from "../tenants/current.ts";
import { tenantPublicUrl } from "../tenants/public-url.ts";
import { recordAttemptFailed, recordSent, recordUndeliverable, startAttempt } from "./commands.ts";
import { planMessage, startFirstAttempt } from "./planning.ts";
import { redactAddresses } from "./recipients.ts";
import { SendMessagePayload } from "./schemas.ts";
import { awaitSendSlot, sendRateOf } from "./send-rate.ts";
import { whatsappTemplateFor } from "./whatsapp-window.ts";

// Per configuration and tenant, the adapters built last and a fingerprint of what they were built from: a tenant's
// providers (issue 16) and its public address, where its providers report deliveries. A change of either builds
// them anew (server/messaging-providers/settings.ts keeps a tenant's accounts for a few seconds).
const adapters = new WeakMap<Config, Map<number, { fingerprint: string; channels: Channels }>>();

/**
 * What the channel adapters take: a tenant's accounts (server/messaging-providers/settings.ts), the install's
 * folder for e-mails written as files; delivery reports come to `publicUrl`, the address of the tenant whose
 * messages they send (server/tenants/public-url.ts).
 */
export function channelOptionsOf(
  config: Config,
  messaging: TenantMessaging,
  publicUrl = config.publicUrl,
): ChannelsOptions {
  const { twilio, kannel, email } = messaging;
  return {
    smtpUrl: email.smtpUrl,
    mailFrom: email.mailFrom,
    mailDir: `${config.dataDir}/mail`,
    whatsapp: messaging.whatsapp,
    telegram: messaging.telegram,
    twilio: twilio && { ...twilio, statusCallbackUrl: `${publicUrl}/webhooks/twilio/messaging` },
    kannel: kannel && { ...kannel, callbackUrl: publicUrl },
  };
}

/** A digest of what adapters are built from: equal options, the same adapters (its secrets are not kept twice). */
export function fingerprintOf(options: ChannelsOptions): string {
  return createHash("sha256").update(JSON.stringify(options)).digest("base64url");
}

/**
 * The channel adapters of the tenant under way: built from its accounts and public address, kept while they stay
 * the same. Adapters replaced by a change are closed (pooled SMTP connections); a message that was going out on
 * one fails as a temporary error and is sent again by the new ones.
 */
export async function channelsOf(
  ctx: Pick<AppContext, "config" | "db">,
  publicUrl?: string,
): Promise<Channels> {
  const options = channelOptionsOf(
    ctx.config,
    await tenantMessaging(ctx),
    publicUrl ?? (await tenantPublicUrl(ctx)),
  );
  const fingerprint = fingerprintOf(options);
  const byTenant = tenantsOf(adapters, ctx.config);
  const held = byTenant.get(currentTenant());
  if (held?.fingerprint === fingerprint) return held.channels;
  const channels = createChannels(options);
  byTenant.set(currentTenant(), { fingerprint, channels });
  if (held) void closeChannels(held.channels).catch(() => {});
  return channels;
}

/** Closes the adapters built for a configuration (pooled SMTP connections), e.g. when a worker stops. */
export async function closeChannelsOf(config: Config): Promise<void> {
  const byTenant = adapters.get(config);
  adapters.delete(config);
  for (const held of byTenant?.values() ?? []) await closeChannels(held.channels);
}

/** Sends one message to a citizen on the best channel that takes it. */
export const sendMessage: Job<typeof SendMessagePayload> = {
  name: "send-message",
  payload: SendMessagePayload,
  // 30 s, 1, 2, 4 … 60 min apart: about three hours of a relay being down before a supervisor is alarmed.
  maxAttempts: 10,
  async run(ctx, payload, claim) {
    if (!claim) throw new Error("send-message runs only from its outbox row");
    const publicUrl = await tenantPublicUrl(ctx);
    const channels = await channelsOf(ctx, publicUrl);
    const available = Object.keys(channels) as OutboundChannel[];
    // Each step is one statement and its own commit, so none needs BEGIN and COMMIT around it (decision 0043):
    // the plan reads and locks nothing; the message row and its first attempt are then written together, durable
    // before the provider is called (decisions 0007, 0041), and only while the row is neither sent nor skipped nor
    // its citizen erased. A plan with nothing to send leaves the row's end to the runner.
    const plan = await planMessage(ctx.db, claim.id, payload, available, publicUrl);
    if (plan.kind === "done") return;
    if (plan.kind === "unreachable") throw new PermanentError("no channel can reach the citizen");
    const first = await startFirstAttempt(ctx.db, plan, plan.recipients[0]!);
    // Sent by a worker that held this row before, skipped, or its citizen erased since the plan's read.
    if (!first) return;
    const { message } = first;
    let lastError = "";
    for (const [i, to] of plan.recipients.entries()) {
      const adapter = channels[to.channel] as ChannelAdapter;
      const attemptId = i === 0 ? first.attemptId : await startAttempt(ctx.db, message.messageId, to);
      let providerId: string;
      try {
        // The channel's shared rate (a slot too far away is a temporary failure: the row is tried again later).
        const rendered = plan.renderedFor[to.channel] ?? plan.rendered;
        // Outside WhatsApp's 24-hour window only an approved template passes; without one the next channel goes.
        const template =
          to.channel === "whatsapp"
            ? whatsappTemplateFor(ctx.config.messaging.whatsappTemplates, {
                key: payload.template,
                locale: plan.locale,
                lastInboundAt: plan.whatsappInboundAt,
                variables: { ...plan.variables, text: rendered.text },
              })
            : undefined;
        await awaitSendSlot(ctx.db, to.channel, sendRateOf(ctx.config, to.channel));
        ({ providerId } = await adapter.send({
          key: message.key,
          to: to.address,
          locale: plan.locale,
          ...rendered,
          // The survey is answered in the conversation too: the rating as buttons where the channel has them.
          choices: template ? undefined : ratingChoicesFor(payload.template, to.channel),
          template,
        }));
      } catch (error) {
        // Anything but a DeliveryError (a bug, a crash of the client) is treated as temporary: retried, not lost.
        const temporary = !(error instanceof DeliveryError) || error.temporary;
        lastError = redactAddresses(
          `${to.channel}: ${error instanceof Error ? error.message : String(error)}`,
        );
        await recordAttemptFailed(ctx.db, message.messageId, attemptId, temporary, lastError);
        if (temporary) throw new Error(lastError);
        continue;
      }
      // The outcome and the outbox row's end are one statement (with the answer's delivery, one transaction).
      await recordSent(ctx.db, message, attemptId, to.channel, providerId, claim);
      return;
    }
    throw new PermanentError(`every channel refused the message; last: ${lastError}`);
  },
  onDead: (tx, payload, claim, error) => recordUndeliverable(tx, claim.id, payload, error),
};
