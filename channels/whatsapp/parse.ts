/**
 * WhatsApp Cloud API webhooks on the wire (Meta's Graph webhooks for the `whatsapp_business_account` object). Meta
 * checks the callback URL once with a GET handshake (`hub.mode=subscribe`, `hub.verify_token`, `hub.challenge`) and
 * signs every POST in `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body, keyed by the app secret>`.
 * A POST batches `entry[].changes[]`; a change of field `messages` carries the citizen's `messages[]` and the
 * `statuses[]` of ours. Meta signs no time: a replayed body is the same messages again, which the core's
 * idempotency on `providerMessageId` absorbs. Pure functions over node:crypto.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { type InboundContent, InboundError, type InboundMessage } from "../channel.ts";

/** The header Meta signs its POSTs in (lower case, as the port hands headers over). */
export const WHATSAPP_SIGNATURE_HEADER = "x-hub-signature-256";

/** The largest webhook body read: a batch is a few kilobytes, anything near this is not Meta. */
export const MAX_WEBHOOK_BYTES = 1024 * 1024;

/** The `X-Hub-Signature-256` value of `rawBody` signed with `appSecret`. */
export function signWhatsAppBody(appSecret: string, rawBody: Buffer | string): string {
  return `sha256=${createHmac("sha256", appSecret).update(rawBody).digest("hex")}`;
}

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();

// Digests first: equal lengths for timingSafeEqual, and neither the secret's nor the signature's length leaks.
const sameText = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

/** True when `signature` is Meta's signature of `rawBody` with `appSecret`; an empty secret accepts nothing. */
export function verifyWhatsAppSignature(
  appSecret: string,
  rawBody: Buffer,
  signature: string | undefined,
): boolean {
  if (!appSecret || !signature) return false;
  // Meta writes the hex digest in lower case; a proxy that upper-cased it has not changed the signature.
  const given = signature.startsWith("sha256=") ? `sha256=${signature.slice(7).toLowerCase()}` : signature;
  return sameText(given, signWhatsAppBody(appSecret, rawBody));
}

/** A query string as a router hands it over: URLSearchParams, or an object where a repeated name is an array. */
export type QueryParams = URLSearchParams | Record<string, string | string[] | undefined>;

function queryValue(query: QueryParams, name: string): string | undefined {
  if (query instanceof URLSearchParams) return query.get(name) ?? undefined;
  const value = query[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Meta's GET handshake: the `hub.challenge` to echo (with 200) when the mode is `subscribe` and the verify token is
 * ours, null (answer 403) otherwise. Checking the token keeps anyone else from subscribing their app to our URL.
 */
export function answerVerification(query: QueryParams, verifyToken: string): string | null {
  const mode = queryValue(query, "hub.mode");
  const token = queryValue(query, "hub.verify_token");
  const challenge = queryValue(query, "hub.challenge");
  if (!verifyToken || mode !== "subscribe" || token === undefined || challenge === undefined) return null;
  return sameText(token, verifyToken) ? challenge : null;
}

/** A media object of an inbound message: `id` is what the media endpoint takes. */
export interface WhatsAppMedia {
  id: string;
  mime_type?: string;
  sha256?: string;
  caption?: string;
  filename?: string;
  voice?: boolean;
}

/** The parts of an inbound message this adapter reads. */
export interface WhatsAppMessage {
  from: string;
  id: string;
  timestamp: string;
  type: string;
  context?: { from?: string; id?: string };
  text?: { body: string };
  location?: { latitude: number; longitude: number; name?: string; address?: string; url?: string };
  image?: WhatsAppMedia;
  audio?: WhatsAppMedia;
  video?: WhatsAppMedia;
  document?: WhatsAppMedia;
  sticker?: WhatsAppMedia;
  interactive?: {
    type: string;
    button_reply?: { id: string; title: string };
    list_reply?: { id: string; title: string; description?: string };
  };
  button?: { payload?: string; text?: string };
  errors?: { code: number; title?: string; message?: string }[];
}

/** The status of one of our messages, as Meta reports it. */
export interface WhatsAppStatus {
  id: string;
  status: string;
  timestamp: string;
  recipient_id: string;
  biz_opaque_callback_data?: string;
  errors?: { code: number; title?: string; message?: string; error_data?: { details?: string } }[];
}

/** The `value` of a change of field `messages`. */
export interface WhatsAppChangeValue {
  messaging_product: "whatsapp";
  metadata: { display_phone_number: string; phone_number_id: string };
  contacts?: { profile?: { name?: string }; wa_id: string }[];
  messages?: WhatsAppMessage[];
  statuses?: WhatsAppStatus[];
}

/** One webhook request's body. */
export interface WhatsAppWebhook {
  object: "whatsapp_business_account";
  entry: { id: string; changes: { field: string; value: WhatsAppChangeValue }[] }[];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const isText = (value: unknown): value is string => typeof value === "string" && value.length > 0;

// Meta writes timestamps as strings of Unix seconds; a number is read the same.
const isTime = (value: unknown) => isText(value) || typeof value === "number";

const iso = (unixSeconds: string | number) => {
  const seconds = Number(unixSeconds);
  if (!Number.isFinite(seconds))
    throw new InboundError("bad_payload", "a timestamp is not a number of seconds");
  return new Date(seconds * 1000).toISOString();
};

const MEDIA_KINDS = {
  image: "image",
  audio: "audio",
  video: "video",
  document: "document",
  sticker: "image",
} as const;

function contentOf(m: WhatsAppMessage): InboundContent | undefined {
  switch (m.type) {
    case "text":
      return isText(m.text?.body) ? { kind: "text", text: m.text.body } : undefined;
    case "location": {
      const p = m.location;
      if (!p || typeof p.latitude !== "number" || typeof p.longitude !== "number") return undefined;
      return { kind: "location", lat: p.latitude, lon: p.longitude, name: p.name, address: p.address };
    }
    case "image":
    case "audio":
    case "video":
    case "document":
    case "sticker": {
      const media = m[m.type];
      if (!isObject(media) || !isText(media.id)) return undefined;
      return {
        kind: "media",
        media: MEDIA_KINDS[m.type],
        ref: media.id,
        mimeType: media.mime_type,
        caption: media.caption || undefined,
        fileName: media.filename,
      };
    }
    case "interactive": {
      const reply = m.interactive?.button_reply ?? m.interactive?.list_reply;
      return reply && isText(reply.id) ? { kind: "choice", id: reply.id, title: reply.title } : undefined;
    }
    case "button":
      // A template's quick-reply button: the payload is the id we gave the button when the template was sent.
      return isText(m.button?.payload)
        ? { kind: "choice", id: m.button.payload, title: m.button.text }
        : undefined;
    default:
      // Reactions, contacts, orders, system notices and `unsupported`/`unknown` types carry nothing the
      // conversation can answer: they are skipped, never turned into an empty text the engine would misread.
      // WhatsApp has no channel-wide opt-out event (`user_preferences` is about marketing messages only); a
      // citizen's "SAIR" arrives as text and a block shows up as error 131026 when we next send.
      return undefined;
  }
}

function isMessage(value: unknown): value is WhatsAppMessage {
  return (
    isObject(value) && isText(value.id) && isText(value.from) && isText(value.type) && isTime(value.timestamp)
  );
}

function isStatus(value: unknown): value is WhatsAppStatus {
  return (
    isObject(value) &&
    isText(value.id) &&
    isText(value.status) &&
    isText(value.recipient_id) &&
    isTime(value.timestamp)
  );
}

const STATES = ["sent", "delivered", "read", "failed"] as const;
type ReceiptState = (typeof STATES)[number];

function fromStatus(s: WhatsAppStatus): InboundMessage | undefined {
  // "deleted", "warning" and the like say nothing about delivery.
  if (!(STATES as readonly string[]).includes(s.status)) return undefined;
  const error = s.errors?.[0];
  const detail = error
    ? [error.code, error.title ?? error.message, error.error_data?.details]
        .filter((p) => p !== undefined)
        .join(" ")
    : undefined;
  return {
    channel: "whatsapp",
    // One status webhook per state and message: the state makes the receipt's own id.
    providerMessageId: `${s.id}:${s.status}`,
    from: canonicalWhatsAppNumber(s.recipient_id),
    sentAt: iso(s.timestamp),
    content: { kind: "receipt", providerId: s.id, state: s.status as ReceiptState, detail },
  };
}

/**
 * A sender's `wa_id` as the number the city knows. WhatsApp accounts made before Brazil's mobiles gained their ninth
 * digit keep a wa_id without it ("55 11 8765-4321" for the number 55 11 98765-4321): the digit is put back, so the
 * conversation, the citizen's contact and the status by protocol all see one number. The Cloud API delivers to
 * either form.
 */
export function canonicalWhatsAppNumber(waId: string): string {
  const old = /^55([1-9]\d)([6-9]\d{7})$/.exec(waId);
  return old ? `55${old[1]}9${old[2]}` : waId;
}

function fromValue(value: Record<string, unknown>): InboundMessage[] {
  const { messages = [], statuses = [], contacts = [] } = value;
  if (!Array.isArray(messages) || !Array.isArray(statuses) || !Array.isArray(contacts)) {
    throw new InboundError("bad_payload", "messages, statuses and contacts must be arrays");
  }
  const names = new Map<string, string>();
  for (const c of contacts) {
    if (isObject(c) && isText(c.wa_id) && isObject(c.profile) && isText(c.profile.name)) {
      names.set(canonicalWhatsAppNumber(c.wa_id), c.profile.name);
    }
  }
  const out: InboundMessage[] = [];
  for (const m of messages) {
    if (!isMessage(m)) throw new InboundError("bad_payload", "a message lacks id, from, type or timestamp");
    const content = contentOf(m);
    if (!content) continue;
    const from = canonicalWhatsAppNumber(m.from);
    out.push({
      channel: "whatsapp",
      providerMessageId: m.id,
      from,
      profileName: names.get(from),
      sentAt: iso(m.timestamp),
      inReplyTo: isText(m.context?.id) ? m.context.id : undefined,
      content,
    });
  }
  for (const s of statuses) {
    if (!isStatus(s))
      throw new InboundError("bad_payload", "a status lacks id, status, recipient_id or timestamp");
    const receipt = fromStatus(s);
    if (receipt) out.push(receipt);
  }
  return out;
}

/**
 * Reads one webhook body into its messages and receipts, in the order Meta listed them (none for changes of other
 * fields); an `InboundError` when the body is too large, not JSON or not a `whatsapp_business_account` webhook.
 */
export function parseWhatsAppWebhook(rawBody: Buffer): InboundMessage[] {
  if (rawBody.length > MAX_WEBHOOK_BYTES) throw new InboundError("too_large", "the webhook exceeds 1 MiB");
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString("utf8"));
  } catch {
    throw new InboundError("bad_json", "the webhook is not JSON");
  }
  if (!isObject(body) || body.object !== "whatsapp_business_account" || !Array.isArray(body.entry)) {
    throw new InboundError("bad_payload", "the body is not a whatsapp_business_account webhook");
  }
  const out: InboundMessage[] = [];
  for (const entry of body.entry) {
    if (!isObject(entry) || !Array.isArray(entry.changes)) {
      throw new InboundError("bad_payload", "an entry lacks its changes");
    }
    for (const change of entry.changes) {
      if (!isObject(change) || !isText(change.field) || !isObject(change.value)) {
        throw new InboundError("bad_payload", "a change lacks field or value");
      }
      // Template reviews, account updates, user_preferences …: subscribed fields the conversation has no use for.
      if (change.field !== "messages") continue;
      out.push(...fromValue(change.value));
    }
  }
  return out;
}
