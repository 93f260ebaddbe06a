/**
 * What Kannel's smsbox calls us with (docs/channels.md, "SMS by Kannel"):
 * - a citizen's message, fetched by the `get-url` of the city's default `sms-service`:
 *   `GET /webhooks/kannel/sms?id=%I&from=%p&to=%P&text=%b&coding=%c&charset=%C&time=%T`, with the secret as the
 *   URL's user information (`http://kannel:SECRET@host/…`), which Kannel sends as HTTP Basic authorization;
 *   concatenated parts arrive already joined by the bearerbox, and with `mo-recode = true` in UTF-8;
 * - a delivery report, fetched at the `dlr-url` we gave with the message:
 *   `GET /webhooks/kannel/dlr?key=…&sig=…&type=%d&fid=%F`, where `sig` is an HMAC of the message's key with the
 *   secret, so that the secret itself never travels in a URL.
 * Report types (Kannel's dlr-mask bits): 1 delivered to the phone, 2 not delivered to the phone, 4 queued on the
 * SMSC, 8 delivered to the SMSC, 16 not delivered to the SMSC.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { InboundError, type InboundMessage, type InboundRequest } from "../channel.ts";

/** The path of the message webhook and of the delivery reports' one. */
export const KANNEL_MO_PATH = "/webhooks/kannel/sms";
export const KANNEL_DLR_PATH = "/webhooks/kannel/dlr";

/** The delivery states of Kannel's report types. */
const REPORT_STATES: Record<string, "sent" | "delivered" | "failed"> = {
  "1": "delivered",
  "2": "failed",
  "4": "sent",
  "8": "sent",
  "16": "failed",
};

/** The `sig` of a delivery report URL: the message's key signed with the secret. */
export function signReportKey(secret: string, key: string): string {
  return createHmac("sha256", secret).update(`kannel-dlr:${key}`).digest("hex").slice(0, 32);
}

const sameText = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * The query of `url` as raw bytes per name: Kannel URL-encodes `%b` in the message's own charset, which is not
 * always UTF-8, so the text is decoded only once `charset` is known.
 */
export function rawQuery(url: string): Map<string, Buffer> {
  const query = url.includes("?") ? url.slice(url.indexOf("?") + 1).split("#")[0]! : "";
  const params = new Map<string, Buffer>();
  for (const pair of query.split("&")) {
    if (!pair) continue;
    const eq = pair.indexOf("=");
    const name = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
    const value = (eq < 0 ? "" : pair.slice(eq + 1)).replace(/\+/g, " ");
    const bytes: number[] = [];
    for (let i = 0; i < value.length; i++) {
      const hex = value.slice(i + 1, i + 3);
      if (value[i] === "%" && /^[0-9a-fA-F]{2}$/.test(hex)) {
        bytes.push(Number.parseInt(hex, 16));
        i += 2;
      } else bytes.push(...Buffer.from(value[i]!, "utf8"));
    }
    if (!params.has(name)) params.set(name, Buffer.from(bytes));
  }
  return params;
}

/** Whether a request is Kannel's: the Basic password of a message, or the signature of a report. */
export function verifyKannelRequest(secret: string, request: InboundRequest): boolean {
  const path = new URL(request.url, "http://x").pathname;
  if (path.endsWith(KANNEL_DLR_PATH)) {
    const query = new URL(request.url, "http://x").searchParams;
    const key = query.get("key");
    const sig = query.get("sig");
    return key !== null && sig !== null && sameText(sig, signReportKey(secret, key));
  }
  const header = request.headers.authorization ?? "";
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header.trim());
  if (!match) return false;
  const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon >= 0 && sameText(decoded.slice(colon + 1), secret);
}

/** Text decoders of the charsets Kannel names in `%C`. */
const CHARSETS: Record<string, string> = {
  "utf-8": "utf-8",
  utf8: "utf-8",
  "utf-16be": "utf-16be",
  "ucs-2": "utf-16be",
  "windows-1252": "windows-1252",
  "iso-8859-1": "windows-1252",
  latin1: "windows-1252",
};

/** A phone number as we keep it: international digits only (Kannel's `unified-prefix` makes them so). */
export function phoneDigits(raw: string): string {
  return raw.replace(/\D/g, "").replace(/^00/, "");
}

/** Turns a message or a delivery report from Kannel into its inbound message. */
export function parseKannelRequest(request: InboundRequest): InboundMessage[] {
  const path = new URL(request.url, "http://x").pathname;
  const params = rawQuery(request.url);
  const text = (name: string) => params.get(name)?.toString("utf8");
  const now = new Date().toISOString();
  if (path.endsWith(KANNEL_DLR_PATH)) {
    const key = text("key");
    const state = REPORT_STATES[text("type") ?? ""];
    if (!key || !state) throw new InboundError("bad_report", "a report needs key and a known type");
    return [
      {
        channel: "sms",
        providerMessageId: `kannel-dlr:${key}:${text("type")}:${text("fid") ?? ""}`,
        from: "",
        sentAt: now,
        content: { kind: "receipt", providerId: key, state },
      },
    ];
  }
  const id = text("id");
  const from = phoneDigits(text("from") ?? "");
  const body = params.get("text");
  if (!id || !/^[\w-]{1,100}$/.test(id))
    throw new InboundError("missing_id", "the message needs its id (%I)");
  if (from.length < 8 || from.length > 15)
    throw new InboundError("bad_sender", "the sender is not a phone number");
  if (body === undefined) throw new InboundError("missing_text", "the message needs its text (%b)");
  const charset = (text("charset") || "utf-8").toLowerCase();
  const decoder = CHARSETS[charset];
  if (!decoder) throw new InboundError("unknown_charset", `charset ${charset} is not one Kannel sends`);
  let decoded: string;
  try {
    decoded = new TextDecoder(decoder, { fatal: true }).decode(body);
  } catch {
    throw new InboundError("bad_text", `the text is not ${charset}`);
  }
  const epoch = Number(text("time"));
  const sentAt = Number.isFinite(epoch) && epoch > 0 ? new Date(epoch * 1000).toISOString() : now;
  return [
    {
      channel: "sms",
      providerMessageId: `kannel:${id}`,
      from,
      sentAt,
      content: { kind: "text", text: decoded.trim() },
    },
  ];
}
