/**
 * SMS and WhatsApp through Twilio's Messages API (https://www.twilio.com/docs/messaging/api/message-resource): a
 * form-encoded POST to `/2010-04-01/Accounts/{AccountSid}/Messages.json` with HTTP Basic auth (account SID and
 * auth token), answered with the message's `sid` or an error `{code, message, more_info, status}`. Flood control
 * (429, code 20429), Twilio's own failures (5xx) and a refused login are temporary; an invalid or unsubscribed
 * number (21211, 21610 …) is permanent. Twilio offers free-form WhatsApp buttons only through pre-approved
 * content templates, so choices go as the numbered list SMS gets, read back by number; a template goes as its
 * ContentSid with ContentVariables. One inbound adapter serves both channels: each message says its own.
 */
import {
  type ChannelAdapter,
  DeliveryError,
  type InboundAdapter,
  type OutboundChannel,
  type OutgoingMessage,
} from "../channel.ts";
import { parseTwilioMessaging, verifyTwilioRequest } from "./parse.ts";

/** How to reach one Twilio account. Values come from TWILIO_API_URL, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN. */
export interface TwilioOptions {
  /** The REST API's base URL; default https://api.twilio.com. */
  apiUrl?: string | undefined;
  accountSid: string;
  authToken: string;
  /**
   * The sender: a number (`+5551…`), a WhatsApp sender (`whatsapp:+5551…`) or a Messaging Service (`MG…`), sent as
   * MessagingServiceSid.
   */
  from: string;
  /** The channel this adapter serves; default WhatsApp when `from` is a WhatsApp sender, else SMS. */
  channel?: "sms" | "whatsapp" | undefined;
  /** Where Twilio posts the message's status changes (our messaging webhook); unset sends none. */
  statusCallbackUrl?: string | undefined;
  /** Milliseconds before a call is abandoned (default 20 s: well within a worker's lease on its outbox row). */
  timeoutMs?: number | undefined;
}

const DEFAULT_API_URL = "https://api.twilio.com";

/** Twilio error codes that say this message will never reach this address. */
const PERMANENT_CODES = new Set([
  21211, // invalid 'To' number
  21610, // the recipient replied STOP
  21612, // no route to the number from this sender
  21614, // 'To' is not a mobile number
  21617, // body over 1600 characters
  63016, // WhatsApp: free text outside the 24-hour window (a template would pass)
]);

/** Twilio's error body. */
interface TwilioErrorBody {
  code?: number;
  message?: string;
  more_info?: string;
  status?: number;
}

/** Whether a refused call may pass later: flood control, Twilio's failures and our credentials, yes. */
export function isTemporaryTwilioError(status: number, code: number | undefined): boolean {
  if (code !== undefined && PERMANENT_CODES.has(code)) return false;
  if (status === 429 || code === 20429 || status >= 500) return true;
  // A refused login is the configuration, not this message: retried until someone fixes it.
  return status === 401 || code === 20003;
}

const basicAuth = (options: TwilioOptions) =>
  `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString("base64")}`;

const baseOf = (options: Pick<TwilioOptions, "apiUrl">) =>
  (options.apiUrl || DEFAULT_API_URL).replace(/\/+$/, "");

/** `to` (E.164 digits, with or without "+") as Twilio addresses it on `channel`. */
function addressOn(channel: "sms" | "whatsapp", to: string): string {
  const number = `+${to.replace(/^whatsapp:/i, "").replace(/\D/g, "")}`;
  return channel === "whatsapp" ? `whatsapp:${number}` : number;
}

/** The form of one message: sender, recipient, body or template, status callback. */
export function twilioForm(options: TwilioOptions, channel: "sms" | "whatsapp", message: OutgoingMessage) {
  const form = new URLSearchParams();
  form.set("To", addressOn(channel, message.to));
  if (/^MG[0-9a-fA-F]{32}$/.test(options.from)) form.set("MessagingServiceSid", options.from);
  else form.set("From", options.from);
  if (channel === "whatsapp" && message.template) {
    // A WhatsApp template on Twilio is a Content API template: its SID (HX…) and variables "1", "2" …
    form.set("ContentSid", message.template.name);
    const variables = Object.fromEntries(message.template.parameters.map((p, i) => [String(i + 1), p]));
    form.set("ContentVariables", JSON.stringify(variables));
  } else {
    const choices = message.choices ?? [];
    const list = choices.map((c, i) => `${i + 1}. ${c.title}`).join("\n");
    // WhatsApp on Twilio carries one file a message (MediaUrl, which Twilio downloads); more go as links.
    const [first, ...more] = channel === "whatsapp" ? (message.attachments ?? []) : [];
    if (first) form.set("MediaUrl", first.url);
    const links = more.map((a) => `${a.fileName}: ${a.url}`).join("\n");
    form.set("Body", [message.text, list, links].filter(Boolean).join("\n"));
  }
  if (options.statusCallbackUrl) form.set("StatusCallback", options.statusCallbackUrl);
  return form;
}

/** The outbound adapter for one Twilio sender (SMS or WhatsApp). */
export function createTwilioAdapter(options: TwilioOptions): ChannelAdapter {
  const channel =
    options.channel ?? (options.from.toLowerCase().startsWith("whatsapp:") ? "whatsapp" : "sms");
  const url = `${baseOf(options)}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Messages.json`;
  return {
    channel: channel satisfies OutboundChannel,
    async send(message) {
      let response: Response;
      try {
        response = await fetch(url, {
          method: "POST",
          headers: {
            authorization: basicAuth(options),
            "content-type": "application/x-www-form-urlencoded",
            accept: "application/json",
            // The message's stable key in the header Twilio uses for idempotency on its own webhook retries. The
            // Messages API is not documented to deduplicate on it: a resend after a crash may still show twice.
            "i-twilio-idempotency-token": message.key,
          },
          body: twilioForm(options, channel, message).toString(),
          signal: AbortSignal.timeout(options.timeoutMs ?? 20_000),
        });
      } catch (error) {
        const reason = error instanceof Error ? error.name : "error";
        throw new DeliveryError(`Twilio unreachable (${reason})`, true);
      }
      let answer: (TwilioErrorBody & { sid?: string }) | undefined;
      try {
        answer = (await response.json()) as TwilioErrorBody & { sid?: string };
      } catch {
        answer = undefined;
      }
      if (response.ok && typeof answer?.sid === "string") return { providerId: answer.sid };
      const code = typeof answer?.code === "number" ? answer.code : undefined;
      const text = `Twilio ${response.status}${code !== undefined ? ` (${code})` : ""}: ${answer?.message ?? "no answer"}`;
      throw new DeliveryError(text, isTemporaryTwilioError(response.status, code));
    },
    async close() {},
  };
}

/**
 * The inbound adapter of the messaging webhook (incoming SMS and WhatsApp messages and status callbacks). Its
 * `channel` is the one it is registered under; each parsed message carries the channel its address says.
 */
export function createTwilioInbound(
  options: Pick<TwilioOptions, "apiUrl" | "accountSid" | "authToken" | "timeoutMs">,
): InboundAdapter {
  const apiOrigin = new URL(baseOf(options)).origin;
  return {
    channel: "sms",
    verify: (request) => verifyTwilioRequest(options.authToken, request),
    parse: (request) => parseTwilioMessaging(request.rawBody),
    async fetchMedia(ref) {
      // MediaUrlN points at the API's Media resource, which may require the account's credentials; they are sent
      // only there, never to another host a forged ref could name.
      const sameOrigin = new URL(ref).origin === apiOrigin;
      const response = await fetch(ref, {
        headers: sameOrigin ? { authorization: basicAuth(options as TwilioOptions) } : {},
        signal: AbortSignal.timeout(options.timeoutMs ?? 20_000),
      });
      if (!response.ok) throw new Error(`Twilio media download answered HTTP ${response.status}`);
      const mimeType =
        response.headers.get("content-type")?.split(";")[0]?.trim() || "application/octet-stream";
      return { bytes: Buffer.from(await response.arrayBuffer()), mimeType };
    },
  };
}
