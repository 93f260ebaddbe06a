/**
 * TwiML, the XML that Twilio and the providers that copied it read to run a call: said text, keypad or speech
 * gathered and posted to an action URL, a redirect, the agents' queue, a dial, a hang-up. Each verb is a function
 * returning its XML; `twimlDocument` wraps them. Attribute and text values are escaped here, nowhere else.
 */

/** Escapes text for XML content and attributes. */
export function xmlEscape(value: string): string {
  return value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&apos;");
}

const attributes = (values: Record<string, string | number | undefined>) =>
  Object.entries(values)
    .filter(([, v]) => v !== undefined && v !== "")
    .map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`)
    .join("");

/** `<Say>`: text spoken in `language` (a BCP 47 tag Twilio knows: pt-BR, en-US, es-ES…). */
export function say(text: string, language: string): string {
  return `<Say${attributes({ language })}>${xmlEscape(text)}</Say>`;
}

/** What `<Gather>` listens for and where it posts what it heard. */
export interface GatherOptions {
  action: string;
  language: string;
  /** Keys to read before posting (1 for a menu); absent: until `finishOnKey` or the timeout. */
  numDigits?: number;
  finishOnKey?: string;
  /** Seconds of silence before it gives up (then the verb after the `<Gather>` runs). */
  timeout: number;
  /** Words the speech recogniser should expect. */
  hints?: string;
}

/** `<Gather>` of keypad and speech, saying `prompt` while it listens. */
export function gather(options: GatherOptions, prompt: string): string {
  const attrs = attributes({
    input: "dtmf speech",
    action: options.action,
    method: "POST",
    language: options.language,
    numDigits: options.numDigits,
    finishOnKey: options.finishOnKey,
    timeout: options.timeout,
    speechTimeout: "auto",
    hints: options.hints,
  });
  return `<Gather${attrs}>${prompt}</Gather>`;
}

/** What `<Record>` keeps and where it posts the recording. */
export interface RecordOptions {
  /** Where the recording's URL, sid and duration are posted when it ends (the call goes on with its answer). */
  action: string;
  /** Where the provider posts the recording's status when the audio can be fetched. */
  recordingStatusCallback: string;
  /** Seconds of silence that end it; the longest it may be; the key that ends it. */
  timeout: number;
  maxLength: number;
  finishOnKey: string;
}

/**
 * `<Record>`: the caller speaks after a beep. With nothing recorded the provider posts nothing and the call goes on
 * with the next verb (put a `<Redirect>` after it).
 */
export function record(options: RecordOptions): string {
  const attrs = attributes({
    action: options.action,
    method: "POST",
    timeout: options.timeout,
    maxLength: options.maxLength,
    finishOnKey: options.finishOnKey,
    playBeep: "true",
    trim: "trim-silence",
    recordingStatusCallback: options.recordingStatusCallback,
    recordingStatusCallbackMethod: "POST",
    recordingStatusCallbackEvent: "completed",
  });
  return `<Record${attrs}/>`;
}

/**
 * `<Start><Recording>`: the whole call recorded from here on, both sides, while the TwiML goes on; the recording's
 * status is posted to `callback` when it can be fetched.
 */
export function startRecording(callback: string): string {
  const attrs = attributes({
    recordingStatusCallback: callback,
    recordingStatusCallbackMethod: "POST",
    recordingStatusCallbackEvent: "completed",
    channels: "dual",
  });
  return `<Start><Recording${attrs}/></Start>`;
}

/** `<Redirect>`: the call goes on with the TwiML at `url` (POSTed, signed like every request). */
export function redirect(url: string): string {
  return `<Redirect method="POST">${xmlEscape(url)}</Redirect>`;
}

/** `<Enqueue>`: the caller waits in the agents' queue. */
export function enqueue(queue: string): string {
  return `<Enqueue>${xmlEscape(queue)}</Enqueue>`;
}

/** `<Dial>` to a number, or to a SIP address (`sip:…`). */
export function dial(target: string): string {
  const inner = target.startsWith("sip:")
    ? `<Sip>${xmlEscape(target)}</Sip>`
    : `<Number>${xmlEscape(target)}</Number>`;
  return `<Dial>${inner}</Dial>`;
}

/** `<Hangup/>`. */
export const hangup = (): string => "<Hangup/>";

/** A TwiML document of these verbs, in order. */
export function twimlDocument(...verbs: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Response>${verbs.join("")}</Response>`;
}

/** The language tag Twilio's `<Say>` and speech recogniser take for one of ours. */
export function voiceLanguage(language: string): string {
  return language === "en" ? "en-US" : language === "es" ? "es-ES" : "pt-BR";
}
