/**
 * The `send-message` job: one message to a citizen, from its outbox row. It plans the message (channel, language,
 * text), records each attempt before calling the adapter and the outcome after, and tries the next channel when
 * one refuses for good. A delivered message is three statements: the plan's read, the row with its first attempt,
 * the outcome with the row done (server/notifications/round-trips.test.ts counts them). A temporary failure is
 * retried with the runner's backoff; when no channel is left, or the attempts run out, the row goes dead and `onDead` raises the `delivery_failed` alarm in that same transaction.
 */
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
import { ratingChoicesFor } from "../conversations/survey.ts";
import { type Job, PermanentError } from "../jobs/runner.ts";
import { tenantPublicUrl } from "../tenants/public-url.ts";
import { recordAttemptFailed, recordSent, recordUndeliverable, startAttempt } from "./commands.ts";
import { planMessage, startFirstAttempt } from "./planning.ts";
import { redactAddresses } from "./recipients.ts";
import { SendMessagePayload } from "./schemas.ts";
import { awaitSendSlot, sendRateOf } from "./send-rate.ts";
import { whatsappTemplateFor } from "./whatsapp-window.ts";

// Per configuration, and per public address: a tenant's providers report deliveries to its own address (issue 16).
const adapters = new WeakMap<Config, Map<string, Channels>>();

/**
 * What the channel adapters take from the configuration; delivery reports come to `publicUrl`, the address of the
 * tenant whose messages they send (server/tenants/public-url.ts).
 */
export function channelOptionsOf(config: Config, publicUrl = config.publicUrl): ChannelsOptions {
  const { twilio, kannel } = config.messaging;
  return {
    smtpUrl: config.smtpUrl,
    mailFrom: config.mailFrom,
    mailDir: `${config.dataDir}/mail`,
    whatsapp: config.messaging.whatsapp,
    telegram: config.messaging.telegram,
    twilio: twilio && { ...twilio, statusCallbackUrl: `${publicUrl}/webhooks/twilio/messaging` },
    kannel: kannel && { ...kannel, callbackUrl: publicUrl },
  };
}

/** The channel adapters of a configuration and a tenant's public address, built once for each. */
export function channelsOf(config: Config, publicUrl = config.publicUrl): Channels {
  let byUrl = adapters.get(config);
  if (!byUrl) {
    byUrl = new Map();
    adapters.set(config, byUrl);
  }
  let channels = byUrl.get(publicUrl);
  if (!channels) {
    channels = createChannels(channelOptionsOf(config, publicUrl));
    byUrl.set(publicUrl, channels);
  }
  return channels;
}

/** Closes the adapters built for a configuration (pooled SMTP connections), e.g. when a worker stops. */
export async function closeChannelsOf(config: Config): Promise<void> {
  const byUrl = adapters.get(config);
  adapters.delete(config);
  for (const channels of byUrl?.values() ?? []) await closeChannels(channels);
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
    const channels = channelsOf(ctx.config, publicUrl);
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
