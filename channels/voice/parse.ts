/**
 * Twilio Voice on the wire: the request signature Twilio sends in `X-Twilio-Signature` (HMAC-SHA1 with the account's
 * auth token over the full URL followed by every POST parameter, sorted by name, as name+value; base64), the form
 * parameters of a voice request and its status callback read into one call event, and the TwiML we answer with.
 * Pure functions over node:crypto (https://www.twilio.com/docs/usage/security#validating-requests).
 */

import { createHmac, timingSafeEqual } from "node:crypto";
import { dial, enqueue, hangup, say, twimlDocument } from "./twiml.ts";

/** The header Twilio signs its requests in. */
export const TWILIO_SIGNATURE_HEADER = "x-twilio-signature";

/** A form body as Fastify's formbody hands it over: a repeated name comes as an array. */
export type FormParams = Record<string, string | string[] | undefined>;

/** The string Twilio signs: the URL, then each parameter sorted by name (a repeated one by value) as name+value. */
function signedString(url: string, params: FormParams): string {
  let data = url;
  for (const name of Object.keys(params).sort()) {
    const value = params[name];
    if (value === undefined) continue;
    const values = Array.isArray(value) ? [...value].sort() : [value];
    for (const v of values) data += name + v;
  }
  return data;
}

/** The `X-Twilio-Signature` value of a request to `url` with the form `params`, signed with `authToken`. */
export function signTwilioRequest(authToken: string, url: string, params: FormParams): string {
  return createHmac("sha1", authToken).update(signedString(url, params), "utf8").digest("base64");
}

// Twilio may sign the URL with or without the scheme's default port, whichever it called: both are tried. Read from
// the text, since WHATWG URL parsing drops a default port.
function urlVariants(url: string): string[] {
  const match = /^(https?):\/\/([^/?#]+)(.*)$/i.exec(url);
  if (!match) return [url];
  const [, scheme = "", authority = "", rest = ""] = match;
  const at = authority.lastIndexOf("@");
  const user = authority.slice(0, at + 1);
  const hostPort = /^(.*?)(?::(\d+))?$/.exec(authority.slice(at + 1));
  const host = hostPort?.[1] ?? "";
  const port = hostPort?.[2];
  const defaultPort = scheme.toLowerCase() === "https" ? "443" : "80";
  return [
    url,
    port ? `${scheme}://${user}${host}${rest}` : `${scheme}://${user}${host}:${defaultPort}${rest}`,
  ];
}

/**
 * True when `signature` is Twilio's signature of a request to `url` with `params` (constant-time comparison).
 * `url` is the full URL Twilio was configured with, query string included.
 */
export function verifyTwilioSignature(options: {
  authToken: string;
  url: string;
  params: FormParams;
  signature: string | undefined;
}): boolean {
  const { signature } = options;
  if (!signature) return false;
  const given = Buffer.from(signature, "utf8");
  return urlVariants(options.url).some((url) => {
    const expected = Buffer.from(signTwilioRequest(options.authToken, url, options.params), "utf8");
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}

/** Twilio's call statuses (CallStatus). */
export const TWILIO_CALL_STATUSES = [
  "queued",
  "ringing",
  "in-progress",
  "completed",
  "busy",
  "failed",
  "no-answer",
  "canceled",
] as const;
export type TwilioCallStatus = (typeof TWILIO_CALL_STATUSES)[number];

/** One call event read from a Twilio voice request or status callback. */
export interface TwilioCallEvent {
  callSid: string;
  accountSid: string;
  /** The caller as Twilio sent it ("+5511987654321", or "Anonymous"/"+266696687" when withheld). */
  from: string;
  to: string;
  status: TwilioCallStatus;
  /** Our event: the call rings, an agent answered, or it ended (with Twilio's status as the reason). */
  event: "ringing" | "answered" | "ended";
  direction: string | undefined;
}

const SID = /^CA[0-9a-fA-F]{32}$/;
const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;

/** A form parameter's value (the first, when it came more than once). */
export const formValue = (params: FormParams, name: string): string | undefined => {
  const value = params[name];
  return Array.isArray(value) ? value[0] : value;
};

/** Reads a voice request or status callback; the names of the missing or malformed parameters otherwise. */
export function parseTwilioCall(
  params: FormParams,
): { ok: true; call: TwilioCallEvent } | { ok: false; fields: string[] } {
  const callSid = formValue(params, "CallSid");
  const accountSid = formValue(params, "AccountSid");
  const from = formValue(params, "From") ?? formValue(params, "Caller");
  const to = formValue(params, "To") ?? formValue(params, "Called");
  const status = formValue(params, "CallStatus");
  const fields: string[] = [];
  if (!callSid || !SID.test(callSid)) fields.push("CallSid");
  if (!accountSid || !ACCOUNT_SID.test(accountSid)) fields.push("AccountSid");
  if (from === undefined) fields.push("From");
  if (!to) fields.push("To");
  if (!status || !(TWILIO_CALL_STATUSES as readonly string[]).includes(status)) fields.push("CallStatus");
  if (fields.length > 0) return { ok: false, fields };
  const s = status as TwilioCallStatus;
  const event = s === "in-progress" ? "answered" : s === "queued" || s === "ringing" ? "ringing" : "ended";
  return {
    ok: true,
    call: {
      callSid: callSid!,
      accountSid: accountSid!,
      from: from!,
      to: to!,
      status: s,
      event,
      direction: formValue(params, "Direction"),
    },
  };
}

/** Where an answered call goes: Twilio's queue the agents dequeue from, or a number/SIP address dialled. */
export type VoiceRoute = { kind: "enqueue"; queue: string } | { kind: "dial"; target: string };

/** The TwiML answering an inbound call: a greeting said in `language`, then the queue or the dial. */
export function twimlAnswer(options: { greeting: string; language: string; route: VoiceRoute }): string {
  return twimlDocument(say(options.greeting, options.language), routeVerb(options.route));
}

/** The verb that sends the caller on: the queue, or the dial. */
export function routeVerb(route: VoiceRoute): string {
  return route.kind === "enqueue" ? enqueue(route.queue) : dial(route.target);
}

/** TwiML that says `message` (when given) and hangs up: what Twilio gets when we cannot take the call. */
export function twimlHangup(options: { message?: string; language: string }): string {
  return twimlDocument(options.message ? say(options.message, options.language) : "", hangup());
}

/** The empty TwiML document: the answer to a status callback. */
export const TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response/>';
