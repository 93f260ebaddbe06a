/**
 * The port every outbound channel adapter implements, as plain function types. The core hands an adapter one
 * rendered message and gets back the provider's id for it, or a `DeliveryError` saying whether trying again later
 * can help. Adapters import only this file and `domain/`.
 */

/** The channels a message to a citizen can go out on (each matches a `citizen_contacts.channel`). */
export { OUTBOUND_CHANNELS, type OutboundChannel } from "../domain/channels.ts";

import type { OutboundChannel } from "../domain/channels.ts";

/** One message, rendered in the citizen's language, ready to hand to a provider. */
export interface OutgoingMessage {
  /**
   * Stable key of this message, the same on every attempt: adapters pass it to the provider as its idempotency key
   * (the e-mail Message-ID), so a resend after a crash is recognisably the same message.
   */
  key: string;
  /** The address on the adapter's channel: an e-mail address, E.164 digits, a Telegram chat id. */
  to: string;
  /** BCP 47 language of the text (pt-BR, en, es). */
  locale: string;
  /** Short title (e-mail subject; channels without one may drop it). */
  subject: string;
  /** The plain-text body. */
  text: string;
}

/** What a provider answered when it took a message. */
export interface SentMessage {
  /** The provider's id or reply for the message (SMTP reply line, API message id, file name). */
  providerId: string;
}

/** Hands one message to the provider; resolves when the provider took it, throws a `DeliveryError` when not. */
export type SendMessage = (message: OutgoingMessage) => Promise<SentMessage>;

/** Releases what the adapter holds open (pooled connections); safe to call more than once. */
export type CloseAdapter = () => Promise<void>;

/** An adapter: the channel it serves and its two functions. */
export interface ChannelAdapter {
  channel: OutboundChannel;
  send: SendMessage;
  close: CloseAdapter;
}

/**
 * A provider refused or could not take a message. `temporary` says whether the same message may succeed later
 * (connection refused, 4xx, timeout) or never will on this address (5xx, unknown recipient).
 */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly temporary: boolean,
  ) {
    super(message);
    this.name = "DeliveryError";
  }
}
