/**
 * Runs a call over SIP by the TwiML the platform answers Twilio with: the gateway is a TwiML-speaking provider of its
 * own, so the IVR and the auditors' calls have one flow for both dialects. Each document's verbs run in order:
 * `<Say>` (synthesised), `<Play>` (a WAV fetched), `<Pause>`, `<Gather>` (keys read from RFC 4733 events while its
 * prompts play, a key cutting the prompt short; posted to its action, or the next verb on silence), `<Redirect>`,
 * `<Hangup>`/`<Reject>`, `<Enqueue>`/`<Dial>` (a blind transfer by REFER), and where the gateway keeps recordings for
 * the platform to fetch, `<Record>` (./record-verb.ts) and `<Start><Recording>` (the call from there to its end, or
 * to its transfer). A document that runs out hangs up, as
 * Twilio does. The caller hanging up stops everything at once.
 */
import { XMLParser } from "fast-xml-parser";
import { recordCaller } from "./record-verb.ts";
import type { RtpSession } from "./rtp.ts";
import type { Speech } from "./speech.ts";

/** A verb as read: its name, attributes, text, and nested verbs (a `<Gather>`'s prompts, a `<Dial>`'s target). */
export interface Verb {
  name: string;
  attributes: Record<string, string>;
  text: string;
  children: Verb[];
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
});

type Node = Record<string, unknown> & { ":@"?: Record<string, string> };

function verbsOf(nodes: Node[]): Verb[] {
  const verbs: Verb[] = [];
  for (const node of nodes) {
    const name = Object.keys(node).find((k) => k !== ":@");
    if (!name || name === "#text" || name.startsWith("?")) continue;
    const inner = (node[name] ?? []) as Node[];
    const text = inner
      .filter((n) => "#text" in n)
      .map((n) => String(n["#text"]))
      .join(" ")
      .trim();
    verbs.push({ name, attributes: node[":@"] ?? {}, text, children: verbsOf(inner) });
  }
  return verbs;
}

/** A TwiML document's verbs, in order; an error when it is not one. */
export function parseTwiml(xml: string): Verb[] {
  const nodes = parser.parse(xml) as Node[];
  const response = nodes.find((n) => "Response" in n);
  if (!response) throw new Error("not a TwiML document: no <Response>");
  return verbsOf((response.Response ?? []) as Node[]);
}

/** What a call needs from the gateway. */
export interface TwimlCallDeps {
  rtp: RtpSession;
  speech: Speech;
  /** POSTs the call's parameters and `extra` to `url` (signed as the provider signs), answering the TwiML. */
  fetchTwiml(url: string, extra?: Record<string, string>): Promise<string>;
  /** The μ-law audio of a `<Play>` URL. */
  fetchAudio(url: string): Promise<Buffer>;
  /** Sends the caller to `target` ("enqueue" names a queue, "dial" a number or SIP URI): true when accepted. */
  transfer(kind: "enqueue" | "dial", target: string): Promise<boolean>;
  hangup(): Promise<void>;
  /**
   * Keeps a `<Record>`'s audio (μ-law) where the platform fetches it, answering its sid and URL; absent: `<Record>`
   * records nothing and the call goes on with the next verb.
   */
  keepRecording?: (audio: Buffer) => Promise<{ sid: string; url: string }>;
  /** Aborted when the caller hangs up. */
  signal: AbortSignal;
}

/** How a call's TwiML ended. */
export type TwimlEnd = "hangup" | "caller_hung_up" | "transferred" | "failed";

const seconds = (value: string | undefined, fallback: number) => {
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
};

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });

/** Says or plays a prompt verb; a `signal` abort (a key pressed) cuts it short. */
async function prompt(
  deps: TwimlCallDeps,
  verb: Verb,
  signal: AbortSignal,
  language?: string,
): Promise<void> {
  const loops = Math.max(1, Math.min(10, seconds(verb.attributes.loop, 1) || 1));
  if (verb.name === "Pause") return sleep(seconds(verb.attributes.length, 1) * 1000, signal);
  let audio: Buffer | undefined;
  if (verb.name === "Say" && verb.text)
    audio = await deps.speech.audioOf(verb.text, verb.attributes.language ?? language);
  if (verb.name === "Play" && verb.text) audio = await deps.fetchAudio(verb.text);
  if (!audio) return;
  for (let i = 0; i < loops && !signal.aborted; i++) await deps.rtp.play(audio, signal);
}

/** A `<Gather>`: its prompts with barge-in, then the keys until enough, the finishing key, or the silence's end. */
async function gather(deps: TwimlCallDeps, verb: Verb): Promise<string> {
  const numDigits = Number(verb.attributes.numDigits) || Number.POSITIVE_INFINITY;
  const finishOnKey = verb.attributes.finishOnKey ?? "#";
  const timeoutMs = seconds(verb.attributes.timeout, 5) * 1000;
  let digits = "";
  let finished = false;
  const pressed = new AbortController();
  const hungUp = () => pressed.abort();
  deps.signal.addEventListener("abort", hungUp, { once: true });
  let wake: (() => void) | undefined;
  const off = deps.rtp.onDigit((digit) => {
    if (finished) return;
    pressed.abort();
    if (finishOnKey && digit === finishOnKey) finished = true;
    else {
      digits += digit;
      if (digits.length >= numDigits) finished = true;
    }
    wake?.();
  });
  try {
    for (const child of verb.children) {
      if (pressed.signal.aborted) break;
      await prompt(deps, child, pressed.signal, verb.attributes.language);
    }
    // Then the silence: `timeout` seconds for the first key, and again after each key.
    const wakeOnHangUp = () => wake?.();
    deps.signal.addEventListener("abort", wakeOnHangUp, { once: true });
    while (!finished && !deps.signal.aborted) {
      const before = digits.length;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
      if (digits.length === before && !finished) break;
    }
    deps.signal.removeEventListener("abort", wakeOnHangUp);
    return digits;
  } finally {
    off();
    deps.signal.removeEventListener("abort", hungUp);
  }
}

/** A `<Start><Recording>` under way: the whole call from there on, and where its status goes. */
interface CallRecording {
  stop(): Buffer;
  callback: string | undefined;
}

/** Ends a `<Start><Recording>` with the call: the audio kept and its status posted, as Twilio does at the end. */
async function finishRecording(deps: TwimlCallDeps, recording: CallRecording): Promise<void> {
  const audio = recording.stop();
  if (audio.length === 0 || !deps.keepRecording) return;
  const kept = await deps.keepRecording(audio);
  if (!recording.callback) return;
  await deps
    .fetchTwiml(recording.callback, {
      RecordingSid: kept.sid,
      RecordingUrl: kept.url,
      RecordingStatus: "completed",
      RecordingDuration: String(Math.max(1, Math.round(audio.length / 8000))),
      RecordingChannels: "1",
      RecordingSource: "StartCallRecordingTwiML",
    })
    .catch((error) => console.error("sip: a call recording's status callback failed", error));
}

/** Runs the call from the TwiML at `url` to its end; a recording started on it is kept when it ends. */
export async function runTwimlCall(
  deps: TwimlCallDeps,
  url: string,
  extra?: Record<string, string>,
): Promise<TwimlEnd> {
  const session: { recording?: CallRecording } = {};
  try {
    return await runVerbs(deps, url, extra, session);
  } finally {
    if (session.recording) await finishRecording(deps, session.recording);
  }
}

async function runVerbs(
  deps: TwimlCallDeps,
  url: string,
  extra: Record<string, string> | undefined,
  session: { recording?: CallRecording },
): Promise<TwimlEnd> {
  let next: { url: string; extra?: Record<string, string> } | undefined = { url, extra };
  let documents = 0;
  while (next) {
    if (deps.signal.aborted) return "caller_hung_up";
    // A loop of redirects that never speaks is a fault, not a call: it ends.
    if (++documents > 200) break;
    let verbs: Verb[];
    try {
      verbs = parseTwiml(await deps.fetchTwiml(next.url, next.extra));
    } catch (error) {
      if (deps.signal.aborted) return "caller_hung_up";
      console.error("sip: the call's TwiML could not be read", error);
      await deps.hangup();
      return "failed";
    }
    const current: string = next.url;
    next = undefined;
    for (const verb of verbs) {
      if (deps.signal.aborted) return "caller_hung_up";
      if (verb.name === "Say" || verb.name === "Play" || verb.name === "Pause") {
        await prompt(deps, verb, deps.signal);
      } else if (verb.name === "Gather") {
        const digits = await gather(deps, verb);
        if (digits) {
          next = { url: verb.attributes.action ?? current, extra: { Digits: digits } };
          break;
        }
      } else if (verb.name === "Start") {
        // <Start><Recording>: the rest of the call recorded, kept when it ends (where recordings can be kept).
        const noun = verb.children.find((c) => c.name === "Recording");
        if (noun && deps.keepRecording && !session.recording)
          session.recording = {
            ...deps.rtp.record({ both: true }),
            callback: noun.attributes.recordingStatusCallback,
          };
      } else if (verb.name === "Record" && deps.keepRecording) {
        const taken = await recordCaller(deps.rtp, verb.attributes, deps.signal);
        // Nothing said: the call goes on with the next verb, as Twilio does.
        if (taken.audio.length === 0) continue;
        const kept = await deps.keepRecording(taken.audio);
        const recording = {
          RecordingSid: kept.sid,
          RecordingUrl: kept.url,
          RecordingDuration: String(Math.max(1, Math.round(taken.audio.length / 8000))),
        };
        const callback = verb.attributes.recordingStatusCallback;
        if (callback)
          await deps
            .fetchTwiml(callback, {
              ...recording,
              RecordingStatus: "completed",
              RecordingSource: "RecordVerb",
            })
            .catch((error) => console.error("sip: a recording's status callback failed", error));
        if (deps.signal.aborted) return "caller_hung_up";
        const extra: Record<string, string> = { ...recording };
        if (taken.ended !== "timeout") extra.Digits = taken.ended;
        next = { url: verb.attributes.action ?? current, extra };
        break;
      } else if (verb.name === "Redirect") {
        next = { url: verb.text || current };
        break;
      } else if (verb.name === "Hangup" || verb.name === "Reject") {
        await deps.hangup();
        return "hangup";
      } else if (verb.name === "Enqueue" || verb.name === "Dial") {
        const target = verb.name === "Enqueue" ? verb.text : (verb.children[0]?.text ?? verb.text);
        if (target && (await deps.transfer(verb.name === "Enqueue" ? "enqueue" : "dial", target)))
          return "transferred";
      }
      // Other verbs (<Sms>…, or <Record> where nothing keeps recordings) are not run over SIP: the next goes on.
    }
  }
  if (deps.signal.aborted) return "caller_hung_up";
  await deps.hangup();
  return "hangup";
}
