/**
 * A fake of Twilio's side of an inbound call: it POSTs the form-encoded voice request and the status callbacks
 * Twilio sends (the real parameter names, `application/x-www-form-urlencoded`, `X-Twilio-Signature` over the exact
 * URL posted to), so the server under test is called the way Twilio calls it, on loopback.
 */
import { randomBytes } from "node:crypto";
import {
  type FormParams,
  signTwilioRequest,
  TWILIO_SIGNATURE_HEADER,
  type TwilioCallStatus,
} from "./parse.ts";

/** What our server answered Twilio. */
export interface TwilioExchange {
  status: number;
  contentType: string;
  body: string;
}

/** A fake Twilio account placing calls to one voice URL and status-callback URL. */
export interface FakeTwilio {
  accountSid: string;
  /** A new inbound call from `from` to `to`: the voice request (CallStatus ringing); resolves with its CallSid. */
  ring(from: string, to: string): Promise<{ callSid: string; answer: TwilioExchange }>;
  /** A status callback of the call (in-progress, completed, no-answer, busy …). */
  status(callSid: string, status: TwilioCallStatus, extra?: Record<string, string>): Promise<TwilioExchange>;
  /**
   * What Twilio posts to a `<Gather>`'s action when the caller pressed keys (`Digits`) or spoke (`SpeechResult`,
   * `Confidence`), or, with neither, what a `<Redirect>` posts: the call's parameters, CallStatus in-progress.
   */
  gathered(
    callSid: string,
    url: string,
    input?: { digits?: string; speech?: string },
  ): Promise<TwilioExchange>;
  /** Posts any form to `url`, signed with `authToken` (default: the account's), to test what the server refuses. */
  post(
    url: string,
    params: FormParams,
    options?: { authToken?: string; signature?: string },
  ): Promise<TwilioExchange>;
}

const hex = (bytes: number) => randomBytes(bytes).toString("hex");

/** Starts a fake Twilio account calling `voiceUrl` and `statusUrl` with `authToken`. */
export function fakeTwilio(options: { voiceUrl: string; statusUrl: string; authToken: string }): FakeTwilio {
  const accountSid = `AC${hex(16)}`;
  const calls = new Map<string, { from: string; to: string; startedAt: number; sequence: number }>();

  async function post(
    url: string,
    params: FormParams,
    opts: { authToken?: string; signature?: string } = {},
  ): Promise<TwilioExchange> {
    const form = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) {
      for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) form.append(name, v);
    }
    const signature = opts.signature ?? signTwilioRequest(opts.authToken ?? options.authToken, url, params);
    const res = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        [TWILIO_SIGNATURE_HEADER]: signature,
        "user-agent": "TwilioProxy/1.1",
        "i-twilio-idempotency-token": randomBytes(16).toString("hex"),
      },
      body: form.toString(),
    });
    return { status: res.status, contentType: res.headers.get("content-type") ?? "", body: await res.text() };
  }

  function base(callSid: string, status: TwilioCallStatus): Record<string, string> {
    const call = calls.get(callSid);
    if (!call) throw new Error(`unknown call ${callSid}`);
    return {
      AccountSid: accountSid,
      ApiVersion: "2010-04-01",
      CallSid: callSid,
      CallStatus: status,
      Called: call.to,
      CalledCountry: "BR",
      Caller: call.from,
      CallerCountry: "BR",
      Direction: "inbound",
      From: call.from,
      FromCountry: "BR",
      To: call.to,
      ToCountry: "BR",
    };
  }

  return {
    accountSid,
    async ring(from, to) {
      const callSid = `CA${hex(16)}`;
      calls.set(callSid, { from, to, startedAt: Date.now(), sequence: 0 });
      const answer = await post(options.voiceUrl, base(callSid, "ringing"));
      return { callSid, answer };
    },
    async status(callSid, status, extra = {}) {
      const call = calls.get(callSid);
      if (!call) throw new Error(`unknown call ${callSid}`);
      const params: Record<string, string> = {
        ...base(callSid, status),
        CallbackSource: "call-progress-events",
        SequenceNumber: String(call.sequence++),
        Timestamp: new Date().toUTCString(),
        ...(status === "completed"
          ? { CallDuration: String(Math.round((Date.now() - call.startedAt) / 1000)), Duration: "1" }
          : {}),
        ...extra,
      };
      return post(options.statusUrl, params);
    },
    async gathered(callSid, url, input = {}) {
      const params: Record<string, string> = { ...base(callSid, "in-progress") };
      if (input.digits !== undefined) {
        params.Digits = input.digits.replace(/#$/, "");
        if (input.digits.endsWith("#")) params.FinishedOnKey = "#";
      }
      if (input.speech !== undefined) {
        params.SpeechResult = input.speech;
        params.Confidence = "0.87";
      }
      return post(url, params);
    },
    post,
  };
}
