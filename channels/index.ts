/**
 * The explicit registry of outbound channel adapters: the core imports only this file. A channel counts as
 * reachable exactly when it has an adapter here; today that is e-mail. A new adapter is one line in `createChannels`.
 */
import type { ChannelAdapter, OutboundChannel } from "./channel.ts";
import { createEmailAdapter } from "./email/adapter.ts";

export {
  type ChannelAdapter,
  DeliveryError,
  OUTBOUND_CHANNELS,
  type OutboundChannel,
  type OutgoingMessage,
} from "./channel.ts";

/** What the adapters need from the configuration. */
export interface ChannelsOptions {
  /** SMTP relay URL; unset writes e-mails as files into `mailDir`. */
  smtpUrl?: string | undefined;
  /** From header of e-mails. */
  mailFrom: string;
  /** Folder for e-mails written as files. */
  mailDir: string;
}

/** The adapters by channel; a channel missing here has no adapter. */
export type Channels = Partial<Record<OutboundChannel, ChannelAdapter>>;

/** Builds every registered adapter from the configuration. */
export function createChannels(options: ChannelsOptions): Channels {
  return {
    email: createEmailAdapter({ smtpUrl: options.smtpUrl, from: options.mailFrom, mailDir: options.mailDir }),
  };
}

/** Closes every adapter (pooled connections). */
export async function closeChannels(channels: Channels): Promise<void> {
  await Promise.all(Object.values(channels).map((a) => a.close()));
}
