/**
 * Twilio Programmable Messaging webhooks on the wire, SMS and WhatsApp alike: an `application/x-www-form-urlencoded`
 * POST signed in `X-Twilio-Signature` — base64 of HMAC-SHA1, keyed with the account's auth token, over the full URL
 * followed by every parameter sorted by name as name+value (a repeated name once per distinct value, values sorted,
 * as Twilio's own helper libraries do; https://www.twilio.com/docs/usage/webhooks/webhooks-security). One request is
 * either an incoming message (MessageSid, From, To, Body, NumMedia/MediaUrlN/MediaContentTypeN, Latitude/Longitude,
 * ButtonPayload/ButtonText, ProfileName, OriginalRepliedMessageSid, OptOutType) or a status callback of one of ours
 * (MessageStatus, ErrorCode). The channel is read from the address: `whatsapp:+55…` is WhatsApp, `+55…` SMS.
 * Pure functions over node:crypto.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { type InboundChannel, InboundError, type InboundMessage, type InboundRequest } from "../channel.ts";

/** The header Twilio signs its requests in (lower case, as the port hands headers over). */
export const TWILIO_SIGNATURE_HEADER = "x-twilio-signature";

/** The largest webhook body read: a message's parameters are a few kilobytes. */
export const MAX_FORM_BYTES = 1024 * 1024;

/** A form's parameters: every value of each name, in the order sent. */
export type FormParams = Record<string, string[]>;

/** Reads a form body; a repeated name keeps all its values. */
export function readForm(rawBody: Buffer): FormParams {
  // No prototype: a parameter named "__proto__" or "constructor" is a parameter like any other.
  const params: FormParams = Object.create(null);
  for (const [name, value] of new URLSearchParams(rawBody.toString("utf8"))) {
    const values = params[name] ?? [];
    values.push(value);
    params[name] = values;
  }
  return params;
}

/** The `X-Twilio-Signature` of a request to `url` with the form `params`, signed with `authToken`. */
export function signTwilioRequest(authToken: string, url: string, params: FormParams): string {
  let data = url;
  for (const name of Object.keys(params).sort()) {
    for (const value of [...new Set(params[name])].sort()) data += name + value;
  }
  return createHmac("sha1", authToken).update(data, "utf8").digest("base64");
}

// Twilio signs the URL it called, with or without the scheme's default port depending on the product: both forms
// are tried (as Twilio's libraries do), read from the text because WHATWG URL parsing drops a default port.
function urlVariants(url: string): string[] {
  const match = /^(https?):\/\/([^/?#]+)(.*)$/i.exec(url);
  if (!match) return [url];
  const [, scheme = "", authority = "", rest = ""] = match;
  const at = authority.lastIndexOf("@");
  const hostPort = /^(.*?)(?::(\d+))?$/.exec(authority.slice(at + 1));
  const base = `${scheme}://${authority.slice(0, at + 1)}${hostPort?.[1] ?? ""}`;
  const port = hostPort?.[2];
  const defaultPort = scheme.toLowerCase() === "https" ? "443" : "80";
  if (port && port !== defaultPort) return [url];
  return [url, port ? `${base}${rest}` : `${base}:${defaultPort}${rest}`];
}

/** True when the request carries Twilio's signature of its URL and form, made with `authToken` (constant time). */
export function verifyTwilioRequest(authToken: string, request: InboundRequest): boolean {
  const signature = request.headers[TWILIO_SIGNATURE_HEADER];
  if (!authToken || !signature) return false;
  const given = Buffer.from(signature, "utf8");
  const params = readForm(request.rawBody);
  return urlVariants(request.url).some((url) => {
    const expected = Buffer.from(signTwilioRequest(authToken, url, params), "utf8");
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}

/** `whatsapp:+5511987654321` or `+5511987654321` → its channel and E.164 digits without "+". */
export function addressOf(value: string): { channel: "sms" | "whatsapp"; digits: string } {
  const whatsapp = value.toLowerCase().startsWith("whatsapp:");
  return {
    channel: whatsapp ? "whatsapp" : "sms",
    digits: value.replace(/^whatsapp:/i, "").replace(/\D/g, ""),
  };
}

/** Twilio's statuses of an outbound message (MessageStatus), and the receipt each one is, when it is one. */
const RECEIPT_STATES: Record<string, "sent" | "delivered" | "read" | "failed" | null> = {
  accepted: null,
  scheduled: null,
  queued: null,
  sending: null,
  sent: "sent",
  delivered: "delivered",
  read: "read",
  undelivered: "failed",
  failed: "failed",
  canceled: "failed",
  partially_delivered: null,
};

const SID = /^[A-Z]{2}[0-9a-fA-F]{32}$/;

/** The media kind of a MIME type. */
function mediaOf(mimeType: string): "image" | "audio" | "video" | "document" {
  const type = mimeType.split("/")[0];
  return type === "image" || type === "audio" || type === "video" ? type : "document";
}

/**
 * Reads one webhook body into its messages: an incoming message (one per attached medium when there are several),
 * a status callback as a receipt (none for intermediate states), an opt-out; an `InboundError` when the body is too
 * large or not Twilio's.
 */
export function parseTwilioMessaging(rawBody: Buffer, now: Date = new Date()): InboundMessage[] {
  if (rawBody.length > MAX_FORM_BYTES) throw new InboundError("too_large", "the request exceeds 1 MiB");
  const params = readForm(rawBody);
  const one = (name: string) => params[name]?.[0];
  const sid = one("MessageSid") ?? one("SmsSid");
  if (!sid || !SID.test(sid)) throw new InboundError("bad_form", "the form has no valid MessageSid");
  if (!SID.test(one("AccountSid") ?? ""))
    throw new InboundError("bad_form", "the form has no valid AccountSid");
  const sentAt = now.toISOString();

  const status = one("MessageStatus");
  if (status !== undefined && status !== "received" && status !== "receiving") {
    if (!(status in RECEIPT_STATES)) throw new InboundError("bad_form", `unknown MessageStatus ${status}`);
    const state = RECEIPT_STATES[status];
    const to = one("To");
    if (!state) return [];
    if (!to) throw new InboundError("bad_form", "the status callback has no To");
    const address = addressOf(to);
    const error = one("ErrorCode");
    return [
      {
        channel: address.channel,
        // A receipt's id is its own: the same message reports sent, then delivered, then read.
        providerMessageId: `${sid}:${status}`,
        from: address.digits,
        sentAt,
        content: {
          kind: "receipt",
          providerId: sid,
          state,
          detail: error ? `Twilio error ${error}` : undefined,
        },
      },
    ];
  }

  const fromValue = one("From");
  if (!fromValue || !one("To")) throw new InboundError("bad_form", "the message has no From or To");
  const address = addressOf(fromValue);
  if (!address.digits) throw new InboundError("bad_form", "the sender is not a phone number");
  const channel: InboundChannel = address.channel;
  const base = {
    channel,
    from: address.digits,
    profileName: one("ProfileName") || undefined,
    sentAt,
    inReplyTo: one("OriginalRepliedMessageSid") || undefined,
  };
  const body = one("Body") ?? "";

  // Present only with Advanced Opt-Out: STOP stops; START and HELP are words the conversation reads as text.
  if (one("OptOutType")?.toUpperCase() === "STOP")
    return [{ ...base, providerMessageId: sid, content: { kind: "opt-out" } }];

  const lat = Number(one("Latitude"));
  const lon = Number(one("Longitude"));
  if (one("Latitude") && one("Longitude") && Number.isFinite(lat) && Number.isFinite(lon)) {
    const content = {
      kind: "location" as const,
      lat,
      lon,
      name: one("Label") || undefined,
      address: one("Address") || undefined,
    };
    return [{ ...base, providerMessageId: sid, content }];
  }

  const payload = one("ButtonPayload");
  if (payload) {
    const content = { kind: "choice" as const, id: payload, title: one("ButtonText") || body || undefined };
    return [{ ...base, providerMessageId: sid, content }];
  }

  const count = Number(one("NumMedia") ?? "0");
  if (!Number.isInteger(count) || count < 0 || count > 10)
    throw new InboundError("bad_form", "NumMedia is not 0-10");
  const media: InboundMessage[] = [];
  for (let i = 0; i < count; i++) {
    const url = one(`MediaUrl${i}`);
    if (!url) throw new InboundError("bad_form", `MediaUrl${i} is missing`);
    const mimeType = one(`MediaContentType${i}`) ?? "application/octet-stream";
    media.push({
      ...base,
      // One message per medium, each with an id of its own; the first keeps the MessageSid.
      providerMessageId: i === 0 ? sid : `${sid}:${i}`,
      content: {
        kind: "media",
        media: mediaOf(mimeType),
        ref: url,
        mimeType,
        caption: i === 0 && body ? body : undefined,
      },
    });
  }
  if (media.length > 0) return media;
  if (!body) return [];
  return [{ ...base, providerMessageId: sid, content: { kind: "text", text: body } }];
}
