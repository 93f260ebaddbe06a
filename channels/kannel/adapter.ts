/**
 * SMS through Kannel, the open-source SMS gateway a city runs itself (Debian's `kannel`: the bearerbox keeps the
 * SMPP link to the operator's SMS centre, the smsbox serves HTTP). A message goes out as one GET to smsbox's
 * sendsms interface (`/cgi-bin/sendsms?username&password&from&to&text&coding&charset&dlr-mask&dlr-url`), answered
 * `202 0: Accepted for delivery` (or `3: Queued for later delivery`), 4xx when the request or the configuration
 * refuses it, 503 for a passing failure. The text is fitted first: GSM-7 when every character allows (160 per
 * message) or UCS-2 (70), folded to GSM-7 when the city chooses the cheaper alphabet, and shortened to the parts
 * the city allows; Kannel splits it into concatenated parts with their headers (`concatenation = true`). sendsms
 * answers no id, so the message's own key names it: the delivery report URL carries it, signed.
 */
import { type ChannelAdapter, type Choice, DeliveryError, type InboundAdapter } from "../channel.ts";
import { fitSms } from "./gsm.ts";
import { KANNEL_DLR_PATH, parseKannelRequest, signReportKey, verifyKannelRequest } from "./parse.ts";

/** How to reach a Kannel (KANNEL_SENDSMS_URL, KANNEL_USERNAME, KANNEL_PASSWORD, KANNEL_SMS_FROM …). */
export interface KannelOptions {
  /** smsbox's sendsms URL, e.g. http://127.0.0.1:13013/cgi-bin/sendsms. */
  sendsmsUrl: string;
  /** A `sendsms-user` of the Kannel configuration. */
  username: string;
  password: string;
  /** The sender: the city's short code (156) or number. */
  from: string;
  /** The secret of the webhooks: the Basic password of the get-url, the key of the reports' signatures. */
  webhookSecret: string;
  /** The most parts a message may take (the sendsms-user's max-messages must allow as many). */
  maxParts: number;
  /** Fold accents to the GSM alphabet ("ação" → "acao"): 160 characters a message instead of 70. */
  foldToGsm: boolean;
  /** The base URL Kannel reaches us at, for delivery reports (the site's public URL); unset asks for none. */
  callbackUrl?: string | undefined;
  timeoutMs?: number | undefined;
}

/** Every report type: delivered or not to the phone, queued on, delivered or not to the SMS centre. */
const DLR_MASK = 1 | 2 | 4 | 8 | 16;

/** The sendsms request of one message. */
export function sendsmsUrl(
  options: KannelOptions,
  message: { key: string; to: string; text: string; choices?: Choice[] | undefined },
): URL {
  // SMS has no buttons: the choices follow the text as a numbered list, read back by number, and are never cut.
  const list = (message.choices ?? []).map((c, i) => `${i + 1}. ${c.title}`).join("\n");
  const fitted = fitSms(message.text, { maxParts: options.maxParts, fold: options.foldToGsm, keep: list });
  const url = new URL(options.sendsmsUrl);
  const set = (name: string, value: string) => url.searchParams.set(name, value);
  set("username", options.username);
  set("password", options.password);
  set("from", options.from);
  set("to", message.to.replace(/\D/g, ""));
  set("text", fitted.text);
  set("charset", "UTF-8");
  // 0: the GSM default alphabet; 2: UCS-2. Kannel converts the UTF-8 text to either.
  set("coding", fitted.encoding === "gsm7" ? "0" : "2");
  if (options.callbackUrl) {
    const report = new URL(`${options.callbackUrl.replace(/\/+$/, "")}${KANNEL_DLR_PATH}`);
    report.searchParams.set("key", message.key);
    report.searchParams.set("sig", signReportKey(options.webhookSecret, message.key));
    // Kannel's escapes must reach it unencoded: %d the report type, %F the SMS centre's id of the message.
    set("dlr-mask", String(DLR_MASK));
    set("dlr-url", `${report.toString()}&type=%d&fid=%F`);
  }
  return url;
}

/** The outbound adapter of the SMS channel through Kannel. */
export function createKannelAdapter(options: KannelOptions): ChannelAdapter {
  return {
    channel: "sms",
    async send(message) {
      let response: Response;
      let body: string;
      try {
        response = await fetch(sendsmsUrl(options, message), {
          signal: AbortSignal.timeout(options.timeoutMs ?? 20_000),
        });
        body = (await response.text()).trim();
      } catch (error) {
        const reason = error instanceof Error ? error.name : "error";
        throw new DeliveryError(`Kannel unreachable (${reason})`, true);
      }
      // 202 "0: Accepted for delivery" or "3: Queued for later delivery": the bearerbox has it.
      if (response.status === 202 || (response.ok && /^[03]:/.test(body))) return { providerId: message.key };
      // A refused login is the configuration (fixed by someone, then retried); 503 and 5xx pass; other 4xx say this
      // message can never go (a number the white or black list refuses, no receiver).
      const temporary = response.status === 403 || response.status >= 500;
      throw new DeliveryError(`Kannel ${response.status}: ${body.slice(0, 200)}`, temporary);
    },
    async close() {},
  };
}

/** The inbound adapter of Kannel's two webhooks: citizens' messages and delivery reports. */
export function createKannelInbound(options: Pick<KannelOptions, "webhookSecret">): InboundAdapter {
  return {
    channel: "sms",
    verify: (request) => verifyKannelRequest(options.webhookSecret, request),
    parse: (request) => parseKannelRequest(request),
  };
}
