/**
 * A fake Twilio Messages API on 127.0.0.1, for tests and the demo: the real path
 * (`/2010-04-01/Accounts/{AccountSid}/Messages.json`), form-encoded POSTs with HTTP Basic auth, the message
 * resource answered with 201, and Twilio's error body `{code, message, more_info, status}` (20003 for a wrong
 * login, 21211 invalid number, 21602 no body, 21603 no sender, 21610 unsubscribed, 21617 too long, 20429 flood).
 * It serves media at the Media resource's path, records every message, and builds the form Twilio posts to a
 * messaging webhook (text, location, media, button reply, STOP, status callbacks) signed with the auth token.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  createFakeCall,
  type FakeRecording,
  type FakeTwilioCall,
  outboundCallParams,
  recordingCallbackParams,
  runRecordVerb,
  serveFakeRecording,
} from "./fake-calls.ts";
import { addressOf, type FormParams, signTwilioRequest, TWILIO_SIGNATURE_HEADER } from "./parse.ts";

/** A message the fake accepted. */
export interface FakeTwilioMessage {
  sid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string | null;
  contentSid: string | null;
  contentVariables: string | null;
  statusCallback: string | null;
  /** The `I-Twilio-Idempotency-Token` header it came with. */
  idempotencyToken: string | null;
}

/** What our server answered a webhook the fake posted. */
export interface TwilioExchange {
  status: number;
  contentType: string;
  body: string;
}

/** Extra parameters of a webhook, or overrides. */
type Extra = Record<string, string>;

/** Builders of the forms Twilio posts to a messaging webhook (From is the citizen, To our sender). */
export interface WebhookForms {
  text(from: string, to: string, body: string, extra?: Extra): Record<string, string>;
  location(from: string, to: string, lat: number, lon: number, extra?: Extra): Record<string, string>;
  media(
    from: string,
    to: string,
    items: { url: string; contentType: string }[],
    body?: string,
  ): Record<string, string>;
  /** A tap on a quick-reply button of a WhatsApp template. */
  button(from: string, to: string, payload: string, text: string): Record<string, string>;
  /** STOP to a sender of a Messaging Service with Advanced Opt-Out. */
  stop(from: string, to: string): Record<string, string>;
  /** The status callback of a message the fake accepted. */
  status(sid: string, status: string, errorCode?: string): Record<string, string>;
}

/** A running fake Twilio account. */
export interface FakeTwilio {
  /** The base URL to give the adapter as `apiUrl`. */
  url: string;
  accountSid: string;
  authToken: string;
  messages: FakeTwilioMessage[];
  /** The calls placed through the Calls resource (./fake-calls.ts). */
  calls: FakeTwilioCall[];
  /**
   * What Twilio posts about a placed call: to its Url when answered (CallStatus in-progress, with AnsweredBy when
   * machine detection was asked; `url` for a later step, with Digits), or to its StatusCallback (CallStatus
   * no-answer, busy, completed …).
   */
  callRequest(
    sid: string,
    status: string,
    extra?: Record<string, string>,
    url?: string,
  ): Promise<TwilioExchange>;
  /** The recordings of calls placed with Record=true, by sid. */
  recordings: Map<string, FakeRecording>;
  /** The call's recording is ready: kept (its WAV) and posted to the call's RecordingStatusCallback. */
  finishRecording(
    callSid: string,
    wav: Buffer,
    durationSeconds: number,
  ): Promise<TwilioExchange & { sid: string }>;
  /** A `<Record>` verb ran on the call: the audio kept, its action posted, then its recordingStatusCallback. */
  recordVerb(
    callSid: string,
    verb: { action: string; recordingStatusCallback?: string | undefined },
    wav: Buffer,
    durationSeconds: number,
    digits?: string,
  ): Promise<{ action: TwilioExchange; callback?: TwilioExchange; sid: string }>;
  /** The number replied STOP: sending to it answers 21610. */
  unsubscribe(number: string): void;
  /** Answers the next `times` calls with this status (429 with code 20429). */
  fail(status: number, times?: number): void;
  /** Media a citizen sent; returns its MediaUrl (the API's Media resource). */
  addMedia(bytes: Buffer, contentType: string): string;
  forms: WebhookForms;
  /** POSTs a form to `url` as Twilio does, signed with the account's token (or `authToken`, or `signature`). */
  post(
    url: string,
    params: FormParams | Record<string, string>,
    options?: { authToken?: string; signature?: string | null; rawBody?: string },
  ): Promise<TwilioExchange>;
  /** Posts a status callback of an accepted message to the StatusCallback URL it was sent with. */
  report(sid: string, status: string, errorCode?: string): Promise<TwilioExchange>;
  close(): Promise<void>;
}

const hex = (bytes: number) => randomBytes(bytes).toString("hex");

const twilioError = (
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  extra: object = {},
) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(
    JSON.stringify({
      code,
      message,
      more_info: `https://www.twilio.com/docs/errors/${code}`,
      status,
      ...extra,
    }),
  );
};

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

const E164 = /^\+[1-9]\d{7,14}$/;

/** Starts a fake Twilio account (its SID and auth token made up unless given). */
export async function startFakeTwilio(
  options: { accountSid?: string; authToken?: string } = {},
): Promise<FakeTwilio> {
  const accountSid = options.accountSid ?? `AC${hex(16)}`;
  const authToken = options.authToken ?? hex(16);
  const messages: FakeTwilioMessage[] = [];
  const calls: FakeTwilioCall[] = [];
  const recordings = new Map<string, FakeRecording>();
  const unsubscribed = new Set<string>();
  const failures: number[] = [];
  const media = new Map<string, { bytes: Buffer; contentType: string }>();
  const prefix = `/2010-04-01/Accounts/${accountSid}`;

  const authorized = (req: IncomingMessage) => {
    const [scheme, value] = (req.headers.authorization ?? "").split(" ");
    const decoded = scheme === "Basic" && value ? Buffer.from(value, "base64").toString("utf8") : "";
    return decoded === `${accountSid}:${authToken}`;
  };

  function createMessage(req: IncomingMessage, res: ServerResponse, form: URLSearchParams) {
    const to = form.get("To") ?? "";
    const from = form.get("From");
    const service = form.get("MessagingServiceSid");
    const body = form.get("Body");
    const contentSid = form.get("ContentSid");
    const number = to.replace(/^whatsapp:/, "");
    if (!E164.test(number))
      return twilioError(res, 400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    if (!from && !service) return twilioError(res, 400, 21603, "A 'From' phone number is required.");
    if (!body && !form.get("MediaUrl") && !contentSid)
      return twilioError(res, 400, 21602, "Message body is required.");
    if (body && body.length > 1600) {
      return twilioError(res, 400, 21617, "The concatenated message body exceeds the 1600 character limit.");
    }
    if (unsubscribed.has(number))
      return twilioError(res, 400, 21610, "Attempt to send to unsubscribed recipient");
    const sid = `SM${hex(16)}`;
    const message: FakeTwilioMessage = {
      sid,
      to,
      from,
      messagingServiceSid: service,
      body,
      contentSid,
      contentVariables: form.get("ContentVariables"),
      statusCallback: form.get("StatusCallback"),
      idempotencyToken: (req.headers["i-twilio-idempotency-token"] as string | undefined) ?? null,
    };
    messages.push(message);
    const now = new Date().toUTCString().replace("GMT", "+0000");
    res.writeHead(201, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        account_sid: accountSid,
        api_version: "2010-04-01",
        body: body ?? "",
        date_created: now,
        date_sent: null,
        date_updated: now,
        direction: "outbound-api",
        error_code: null,
        error_message: null,
        from: service ? null : from,
        messaging_service_sid: service,
        num_media: "0",
        num_segments: "1",
        price: null,
        price_unit: "USD",
        sid,
        status: service ? "accepted" : "queued",
        subresource_uris: { media: `${prefix}/Messages/${sid}/Media.json` },
        to,
        uri: `${prefix}/Messages/${sid}.json`,
      }),
    );
  }

  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    const body = await readBody(req);
    if (!path.startsWith("/2010-04-01/")) {
      return twilioError(res, 404, 20404, `The requested resource ${path} was not found`);
    }
    if (!authorized(req) || !path.startsWith(`${prefix}/`)) {
      return twilioError(res, 401, 20003, "Authenticate", {
        detail: "Your AccountSid or AuthToken was incorrect.",
      });
    }
    const failure = failures.shift();
    if (failure === 429) return twilioError(res, 429, 20429, "Too Many Requests");
    if (failure !== undefined)
      return twilioError(res, failure, 20500, "An internal server error has occurred");
    if (req.method === "POST" && path === `${prefix}/Messages.json`) {
      return createMessage(req, res, new URLSearchParams(body));
    }
    if (req.method === "POST" && path === `${prefix}/Calls.json`) {
      return createFakeCall(
        res,
        new URLSearchParams(body),
        { accountSid, sid: `CA${hex(16)}`, calls },
        (s, c, m) => twilioError(res, s, c, m),
      );
    }
    if (serveFakeRecording(req.method, path, prefix, recordings, res)) return;
    const item = req.method === "GET" ? media.get(path) : undefined;
    if (item) {
      res.writeHead(200, { "content-type": item.contentType, "content-length": item.bytes.length });
      return res.end(item.bytes);
    }
    return twilioError(res, 404, 20404, `The requested resource ${path} was not found`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  function base(from: string, to: string, extra: Extra = {}): Record<string, string> {
    const sid = `SM${hex(16)}`;
    const whatsapp = addressOf(from).channel === "whatsapp";
    return {
      ToCountry: "BR",
      SmsMessageSid: sid,
      NumMedia: "0",
      SmsSid: sid,
      SmsStatus: "received",
      Body: "",
      To: to,
      NumSegments: "1",
      MessageSid: sid,
      AccountSid: accountSid,
      From: from,
      ApiVersion: "2010-04-01",
      ...(whatsapp
        ? { ProfileName: "Maria", WaId: addressOf(from).digits, MessageType: "text", Forwarded: "false" }
        : { FromCountry: "BR", FromState: "RS", FromCity: "PORTO ALEGRE" }),
      ...extra,
    };
  }

  const forms: WebhookForms = {
    text: (from, to, body, extra) => base(from, to, { Body: body, ...extra }),
    location: (from, to, lat, lon, extra) =>
      base(from, to, { MessageType: "location", Latitude: String(lat), Longitude: String(lon), ...extra }),
    media(from, to, items, body = "") {
      const fields: Extra = {
        Body: body,
        NumMedia: String(items.length),
        MessageType: items[0] ? "image" : "text",
      };
      items.forEach((m, i) => {
        fields[`MediaContentType${i}`] = m.contentType;
        fields[`MediaUrl${i}`] = m.url;
      });
      return base(from, to, fields);
    },
    button: (from, to, payload, text) =>
      base(from, to, { MessageType: "button", Body: text, ButtonText: text, ButtonPayload: payload }),
    stop: (from, to) => base(from, to, { Body: "STOP", OptOutType: "STOP" }),
    status(sid, status, errorCode) {
      const message = messages.find((m) => m.sid === sid);
      if (!message) throw new Error(`the fake sent no message ${sid}`);
      return {
        AccountSid: accountSid,
        ApiVersion: "2010-04-01",
        From: message.from ?? "",
        MessageSid: sid,
        MessageStatus: status,
        SmsSid: sid,
        SmsStatus: status,
        To: message.to,
        ...(message.messagingServiceSid ? { MessagingServiceSid: message.messagingServiceSid } : {}),
        ...(errorCode ? { ErrorCode: errorCode } : {}),
      };
    },
  };

  async function post(
    target: string,
    params: FormParams | Record<string, string>,
    opts: { authToken?: string; signature?: string | null; rawBody?: string } = {},
  ): Promise<TwilioExchange> {
    const all: FormParams = Object.fromEntries(
      Object.entries(params).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]),
    );
    const form = new URLSearchParams();
    for (const [name, values] of Object.entries(all)) for (const v of values) form.append(name, v);
    const signature =
      opts.signature === undefined
        ? signTwilioRequest(opts.authToken ?? authToken, target, all)
        : opts.signature;
    const res = await fetch(target, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "user-agent": "TwilioProxy/1.1",
        "i-twilio-idempotency-token": randomBytes(16).toString("hex"),
        ...(signature === null ? {} : { [TWILIO_SIGNATURE_HEADER]: signature }),
      },
      body: opts.rawBody ?? form.toString(),
    });
    return { status: res.status, contentType: res.headers.get("content-type") ?? "", body: await res.text() };
  }

  return {
    url,
    accountSid,
    authToken,
    messages,
    calls,
    callRequest(sid, status, extra = {}, target) {
      const call = calls.find((c) => c.sid === sid);
      if (!call) throw new Error(`the fake placed no call ${sid}`);
      const to = target ?? (["in-progress", "answered"].includes(status) ? call.url : call.statusCallback);
      if (!to) throw new Error(`call ${sid} was placed without a StatusCallback`);
      return post(to, outboundCallParams(accountSid, call, status, extra));
    },
    recordings,
    async finishRecording(callSid, wav, durationSeconds) {
      const call = calls.find((c) => c.sid === callSid);
      if (!call?.record || !call.recordingStatusCallback) throw new Error(`call ${callSid} was not recorded`);
      const recording: FakeRecording = { sid: `RE${hex(16)}`, callSid, bytes: wav, deleted: false };
      recordings.set(recording.sid, recording);
      const params = recordingCallbackParams(accountSid, url, recording, durationSeconds);
      return { ...(await post(call.recordingStatusCallback, params)), sid: recording.sid };
    },
    recordVerb: (...args) =>
      runRecordVerb({ accountSid, url, calls, recordings, post, sid: `RE${hex(16)}` }, ...args),
    unsubscribe: (number) => unsubscribed.add(number),
    fail(status, times = 1) {
      for (let i = 0; i < times; i++) failures.push(status);
    },
    addMedia(bytes, contentType) {
      const path = `${prefix}/Messages/MM${hex(16)}/Media/ME${hex(16)}`;
      media.set(path, { bytes, contentType });
      return `${url}${path}`;
    },
    forms,
    post,
    async report(sid, status, errorCode) {
      const callback = messages.find((m) => m.sid === sid)?.statusCallback;
      if (!callback) throw new Error(`message ${sid} was sent without a StatusCallback`);
      return post(callback, forms.status(sid, status, errorCode));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
