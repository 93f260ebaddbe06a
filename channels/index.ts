/**
 * The explicit registry of channel adapters: the core imports only this file. A channel counts as reachable
 * exactly when it has an outbound adapter here: e-mail always (SMTP, or files without a relay), WhatsApp by the
 * Cloud API or else Twilio, Telegram, SMS by Kannel or else Twilio — each only when configured. Inbound adapters are registered by
 * the webhook that receives them (Twilio's one webhook serves SMS and WhatsApp). A new adapter is one line here.
 */
import type { ChannelAdapter, InboundAdapter, InboundChannel, OutboundChannel } from "./channel.ts";
import { createEmailAdapter } from "./email/adapter.ts";
import { createKannelAdapter, createKannelInbound, type KannelOptions } from "./kannel/adapter.ts";
import { createTelegramAdapter, createTelegramInbound } from "./telegram/adapter.ts";
import { createTwilioAdapter, createTwilioInbound } from "./twilio/adapter.ts";
import { createWhatsAppAdapter, createWhatsAppInbound } from "./whatsapp/adapter.ts";

export {
  type ChannelAdapter,
  DeliveryError,
  type InboundAdapter,
  type InboundChannel,
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
  whatsapp?:
    | { apiUrl: string; token: string; phoneNumberId: string; appSecret: string; verifyToken: string }
    | undefined;
  telegram?: { apiUrl: string; token: string; webhookSecret: string } | undefined;
  /** SMS through the city's own Kannel; its delivery reports come to `callbackUrl`. */
  kannel?: KannelOptions | undefined;
  twilio?:
    | {
        apiUrl: string;
        accountSid: string;
        authToken: string;
        smsFrom?: string | undefined;
        whatsappFrom?: string | undefined;
        /** Where Twilio posts the status of what we send: our messaging webhook. */
        statusCallbackUrl?: string | undefined;
      }
    | undefined;
}

/** The adapters by channel; a channel missing here has no adapter. */
export type Channels = Partial<Record<OutboundChannel, ChannelAdapter>>;

/** Builds every configured outbound adapter. */
export function createChannels(options: ChannelsOptions): Channels {
  const { whatsapp, telegram, twilio } = options;
  const viaTwilio = (from: string | undefined, channel: "sms" | "whatsapp") =>
    twilio && from ? createTwilioAdapter({ ...twilio, from, channel }) : undefined;
  const channels: Channels = {
    email: createEmailAdapter({ smtpUrl: options.smtpUrl, from: options.mailFrom, mailDir: options.mailDir }),
  };
  const wa = whatsapp ? createWhatsAppAdapter(whatsapp) : viaTwilio(twilio?.whatsappFrom, "whatsapp");
  if (wa) channels.whatsapp = wa;
  if (telegram) channels.telegram = createTelegramAdapter(telegram);
  const sms = options.kannel ? createKannelAdapter(options.kannel) : viaTwilio(twilio?.smsFrom, "sms");
  if (sms) channels.sms = sms;
  return channels;
}

/** The inbound adapters by the webhook that receives them. */
export interface InboundAdapters {
  whatsapp?: InboundAdapter;
  telegram?: InboundAdapter;
  twilio?: InboundAdapter;
  kannel?: InboundAdapter;
}

/** Builds every configured inbound adapter. */
export function createInboundAdapters(options: ChannelsOptions): InboundAdapters {
  const adapters: InboundAdapters = {};
  if (options.whatsapp) adapters.whatsapp = createWhatsAppInbound(options.whatsapp);
  if (options.telegram) adapters.telegram = createTelegramInbound(options.telegram);
  if (options.twilio) adapters.twilio = createTwilioInbound(options.twilio);
  if (options.kannel) adapters.kannel = createKannelInbound(options.kannel);
  return adapters;
}

/** The adapter that fetches the media of a conversation on `channel` (the provider its messages came through). */
export function mediaAdapterFor(
  adapters: InboundAdapters,
  channel: InboundChannel,
): InboundAdapter | undefined {
  if (channel === "whatsapp") return adapters.whatsapp ?? adapters.twilio;
  if (channel === "telegram") return adapters.telegram;
  if (channel === "sms") return adapters.twilio;
  return undefined;
}

/** Closes every adapter (pooled connections). */
export async function closeChannels(channels: Channels): Promise<void> {
  await Promise.all(Object.values(channels).map((a) => a.close()));
}
