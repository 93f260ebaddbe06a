/**
 * The `send-message` job: one message to a citizen, from its outbox row. It plans the message (channel, language,
 * text), records each attempt before calling the adapter and the outcome after, and tries the next channel when
 * one refuses for good. A temporary failure is retried with the runner's backoff; when no channel is left, or the
 * attempts run out, the row goes dead and `onDead` raises the `delivery_failed` alarm in that same transaction.
 */
import {
  type ChannelAdapter,
  type Channels,
  closeChannels,
  createChannels,
  DeliveryError,
  type OutboundChannel,
} from "../../channels/index.ts";
import type { Config } from "../config.ts";
import { finishIn, type Job, PermanentError } from "../jobs/runner.ts";
import {
  planMessage,
  recordAttemptFailed,
  recordSent,
  recordUndeliverable,
  startAttempt,
} from "./commands.ts";
import { redactAddresses } from "./recipients.ts";
import { SendMessagePayload } from "./schemas.ts";

const adapters = new WeakMap<Config, Channels>();

/** The channel adapters of a configuration, built once per configuration object. */
export function channelsOf(config: Config): Channels {
  let channels = adapters.get(config);
  if (!channels) {
    channels = createChannels({
      smtpUrl: config.smtpUrl,
      mailFrom: config.mailFrom,
      mailDir: `${config.dataDir}/mail`,
    });
    adapters.set(config, channels);
  }
  return channels;
}

/** Closes the adapters built for a configuration (pooled SMTP connections), e.g. when a worker stops. */
export async function closeChannelsOf(config: Config): Promise<void> {
  const channels = adapters.get(config);
  adapters.delete(config);
  if (channels) await closeChannels(channels);
}

/** Sends one message to a citizen on the best channel that takes it. */
export const sendMessage: Job<typeof SendMessagePayload> = {
  name: "send-message",
  payload: SendMessagePayload,
  // 30 s, 1, 2, 4 … 60 min apart: about three hours of a relay being down before a supervisor is alarmed.
  maxAttempts: 10,
  async run(ctx, payload, claim) {
    if (!claim) throw new Error("send-message runs only from its outbox row");
    const channels = channelsOf(ctx.config);
    const available = Object.keys(channels) as OutboundChannel[];
    // The plan and the first attempt are one durable commit (decision 0041): the attempt is on disk before the
    // provider is called, so a crash after the call never sends the message again unrecorded.
    const { plan, firstAttempt } = await ctx.db.transaction(async (tx) => {
      const plan = await planMessage(tx, claim.id, payload, available, ctx.config.publicUrl);
      if (plan.kind === "done") await finishIn(tx, claim);
      const first = plan.kind === "send" ? plan.recipients[0] : undefined;
      return {
        plan,
        firstAttempt:
          plan.kind === "send" && first ? await startAttempt(tx, plan.messageId, first) : undefined,
      };
    });
    if (plan.kind === "done") return;
    if (plan.kind === "unreachable") throw new PermanentError("no channel can reach the citizen");
    let lastError = "";
    for (const [i, to] of plan.recipients.entries()) {
      const adapter = channels[to.channel] as ChannelAdapter;
      const attemptId =
        i === 0 && firstAttempt !== undefined ? firstAttempt : await startAttempt(ctx.db, plan.messageId, to);
      let providerId: string;
      try {
        ({ providerId } = await adapter.send({
          key: plan.key,
          to: to.address,
          locale: plan.locale,
          ...(plan.renderedFor[to.channel] ?? plan.rendered),
        }));
      } catch (error) {
        // Anything but a DeliveryError (a bug, a crash of the client) is treated as temporary: retried, not lost.
        const temporary = !(error instanceof DeliveryError) || error.temporary;
        lastError = redactAddresses(
          `${to.channel}: ${error instanceof Error ? error.message : String(error)}`,
        );
        await recordAttemptFailed(ctx.db, plan.messageId, attemptId, temporary, lastError);
        if (temporary) throw new Error(lastError);
        continue;
      }
      // The outcome and the outbox row's end are one commit.
      await ctx.db.transaction(async (tx) => {
        await recordSent(tx, plan, attemptId, to.channel, providerId);
        await finishIn(tx, claim);
      });
      return;
    }
    throw new PermanentError(`every channel refused the message; last: ${lastError}`);
  },
  onDead: (tx, payload, claim, error) => recordUndeliverable(tx, claim.id, payload, error),
};
