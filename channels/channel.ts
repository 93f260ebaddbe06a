/**
 * The ports every channel adapter implements, as plain function types. Outbound: the core hands an adapter one
 * rendered message and gets back the provider's id for it, or a `DeliveryError` saying whether trying again later
 * can help. Inbound: an adapter checks a provider's request (its signature) and turns it into normalised
 * `InboundMessage`s (text, location, media, a choice, a delivery receipt, an opt-out); the core stores them keyed by
 * the provider's message id and answers the provider at once. Adapters import only this file and `domain/`.
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
  /**
   * Answers the citizen can pick (WhatsApp buttons up to 3 or a list up to 10, Telegram inline keyboard; SMS and
   * e-mail show them as a numbered list in the text, which the core already wrote).
   */
  choices?: Choice[] | undefined;
  /** Ask for the citizen's location where the channel has a button for it (Telegram reply keyboard, WhatsApp). */
  requestLocation?: boolean | undefined;
  /**
   * A pre-approved template for channels that refuse free text outside a service window (WhatsApp after 24 hours
   * without a message from the citizen): its name, language and body parameters in order.
   */
  template?:
    | {
        name: string;
        language: string;
        parameters: string[];
        /** An authentication template's code, also given to its copy-code button (WhatsApp requires both). */
        copyCode?: string | undefined;
      }
    | undefined;
  /**
   * Files sent with the text (an agent's reply): WhatsApp, Telegram and Twilio's WhatsApp send them as media the
   * provider downloads from `url`, before the text; e-mail attaches `content`. Channels without files (SMS) never
   * get any: the core writes their links into the text.
   */
  attachments?: OutgoingAttachment[] | undefined;
  /**
   * The one-click unsubscribe address of a message sent to a list (an area follow's digest): e-mail sends it as
   * List-Unsubscribe with List-Unsubscribe-Post (RFC 8058); other channels ignore it (their text has the link).
   */
  unsubscribeUrl?: string | undefined;
}

/** A file sent to a citizen. */
export interface OutgoingAttachment {
  /** A public HTTPS link the provider downloads the file from (signed, expiring). */
  url: string;
  /** Its type, read from its bytes when it was uploaded. */
  mediaType: string;
  fileName: string;
  /** The bytes, for channels that carry them in the message itself (e-mail). */
  content?: Buffer | undefined;
}

/** One answer offered to the citizen: `id` comes back in an inbound `choice`. */
export interface Choice {
  /** Stable id, at most 200 characters (the smallest provider limit: WhatsApp's reply id is 256, Telegram's 64 bytes). */
  id: string;
  /** What the citizen reads (WhatsApp buttons: 20 characters; lists: 24). */
  title: string;
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

/** The channels a citizen can write to the city on (each has an inbound adapter; `webchat` is the portal's chat). */
export const INBOUND_CHANNELS = ["whatsapp", "sms", "telegram", "email", "webchat"] as const;
export type InboundChannel = (typeof INBOUND_CHANNELS)[number];

/** What one inbound message carries. */
export type InboundContent =
  /** Free text as the citizen wrote it (e-mail: quoted text and signature already stripped). */
  | { kind: "text"; text: string }
  /** A shared location (WGS 84), with the place's name and address when the provider sends them. */
  | { kind: "location"; lat: number; lon: number; name?: string | undefined; address?: string | undefined }
  /**
   * A photo, audio, video or document: `ref` is what the adapter's `fetchMedia` takes (a provider media id or URL),
   * never fetched while the provider waits for the webhook's answer.
   */
  | {
      kind: "media";
      media: "image" | "audio" | "video" | "document";
      ref: string;
      mimeType?: string | undefined;
      caption?: string | undefined;
      fileName?: string | undefined;
    }
  /** A button or list reply / callback: the `Choice.id` we sent, and the title the citizen saw. */
  | { kind: "choice"; id: string; title?: string | undefined }
  /** A delivery receipt for one of our messages, named by the provider id `send` returned. */
  | {
      kind: "receipt";
      providerId: string;
      state: "sent" | "delivered" | "read" | "failed";
      detail?: string | undefined;
    }
  /** The citizen stopped messages on this channel at the provider (Twilio STOP, a blocked Telegram bot). */
  | { kind: "opt-out" };

/** One normalised inbound message. */
export interface InboundMessage {
  channel: InboundChannel;
  /**
   * The provider's id of this message (WhatsApp `wamid…`, Twilio `MessageSid`, Telegram `update_id`, e-mail
   * Message-ID): the idempotency key; a receipt's id is the receipt's own (provider id + state).
   */
  providerMessageId: string;
  /** The citizen's address on the channel: E.164 digits without "+", a Telegram chat id, an e-mail address. */
  from: string;
  /** The name the provider shows for the sender (WhatsApp profile, Telegram first/last name), when given. */
  profileName?: string | undefined;
  /** When the provider says the message was sent (ISO 8601). */
  sentAt: string;
  /** The provider id of our message this one answers (WhatsApp context, e-mail In-Reply-To), when given. */
  inReplyTo?: string | undefined;
  content: InboundContent;
}

/** A provider's HTTP request as the webhook route got it: the raw body is what signatures are computed over. */
export interface InboundRequest {
  /** The full URL the provider called (scheme, host, path and query), as the provider saw it (Twilio signs it). */
  url: string;
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  rawBody: Buffer;
}

/** Checks a request's signature or secret; false means 401/403 and nothing stored. */
export type VerifyInbound = (request: InboundRequest) => boolean;

/**
 * Turns a verified request into its messages (a webhook may batch several, or carry only receipts); throws an
 * `InboundError` when the body is not the provider's format.
 */
export type ParseInbound = (request: InboundRequest) => InboundMessage[];

/** Downloads a media `ref` of an inbound message: its bytes and type. */
export type FetchMedia = (ref: string) => Promise<{ bytes: Buffer; mimeType: string }>;

/** An inbound adapter: the channel it serves and its functions. */
export interface InboundAdapter {
  channel: InboundChannel;
  verify: VerifyInbound;
  parse: ParseInbound;
  fetchMedia?: FetchMedia | undefined;
}

/** A provider's request that is not in its format (400), said with a stable code. */
export class InboundError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "InboundError";
  }
}
