/**
 * A caller on the 156 line in tests, as Twilio drives the IVR: the TwiML of each answer read as Twilio reads it
 * (what is said, the `<Gather>` and its action, the `<Redirect>`, the queue, the hang-up), and a caller who rings,
 * then answers each prompt by keys, words or silence.
 */
import assert from "node:assert/strict";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { type FakeTwilio, fakeTwilio, type TwilioExchange } from "../channels/voice/fake.ts";
import { DEFAULT_IVR_MENU, type IvrOption } from "../domain/ivr.ts";
import { staffHeaders, testApp } from "./helpers.ts";

const xml = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === "Say" });

/** What a TwiML answer asks Twilio to do, read as Twilio reads it. */
export interface Twiml {
  says: { text: string; language: string }[];
  gather?: { action: string; numDigits?: string; finishOnKey?: string; language: string };
  redirect?: string;
  enqueue?: string;
  hangup: boolean;
}

export function read(answer: TwilioExchange): Twiml {
  assert.equal(answer.status, 200, answer.body);
  assert.match(answer.contentType, /^text\/xml/);
  assert.equal(XMLValidator.validate(answer.body), true, answer.body);
  const r = xml.parse(answer.body).Response as Record<string, unknown>;
  type SayNode = { "#text": string; "@_language": string };
  const sayOf = (list: unknown) =>
    ((list ?? []) as SayNode[]).map((s) => ({ text: s["#text"], language: s["@_language"] }));
  const g = r.Gather as (Record<string, string> & { Say?: unknown }) | undefined;
  const redirect = r.Redirect as { "#text": string } | undefined;
  return {
    says: [...sayOf(r.Say), ...sayOf(g?.Say)],
    ...(g
      ? {
          gather: {
            action: g["@_action"]!,
            numDigits: g["@_numDigits"],
            finishOnKey: g["@_finishOnKey"],
            language: g["@_language"]!,
          },
        }
      : {}),
    ...(redirect ? { redirect: redirect["#text"] } : {}),
    ...(typeof r.Enqueue === "string" ? { enqueue: r.Enqueue } : {}),
    hangup: "Hangup" in r,
  };
}

export const spoken = (t: Twiml) => t.says.map((s) => s.text).join(" ");

/** A caller on the line: rings, then answers each prompt by keys, words or silence. */
export async function ivrCaller(twilio: FakeTwilio, from = "+5511955550101") {
  const { callSid, answer } = await twilio.ring(from, "+551130000156");
  let now = read(answer);
  return {
    callSid,
    get now() {
      return now;
    },
    async press(digits: string) {
      now = read(await twilio.gathered(callSid, now.gather!.action, { digits }));
      return now;
    },
    async say(speech: string) {
      now = read(await twilio.gathered(callSid, now.gather!.action, { speech }));
      return now;
    },
    /** The caller says nothing: Twilio runs the verb after the `<Gather>`, the `<Redirect>`. */
    async silence() {
      now = read(await twilio.gathered(callSid, now.redirect!));
      return now;
    },
  };
}

/**
 * The app listening on loopback with the line's IVR on (agents always answering) and `options` added to the default
 * menu, and the fake Twilio that rings it, signing with `token`.
 */
export async function ivrTestApp(token: string, options: IvrOption[]) {
  const { app, ctx } = await testApp({ twilioAuthToken: token });
  const base = await app.listen({ port: 0, host: "127.0.0.1" });
  ctx.config.publicUrl = base;
  const admin = await staffHeaders(ctx.db, "admin");
  const twilio = fakeTwilio({
    voiceUrl: `${base}/api/v1/telephony/twilio/voice`,
    statusUrl: `${base}/api/v1/telephony/twilio/status`,
    authToken: token,
  });
  const saved = await app.inject({
    method: "PUT",
    url: "/api/v1/ivr/menu",
    headers: { authorization: admin.authorization },
    payload: {
      ...DEFAULT_IVR_MENU,
      agentHours: "always",
      options: [...DEFAULT_IVR_MENU.options, ...options],
    },
  });
  assert.equal(saved.statusCode, 200, saved.body);
  return { app, ctx, db: ctx.db, twilio };
}
