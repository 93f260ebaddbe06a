/**
 * Outbound calls through Twilio's REST interface (and the providers that copy it): `POST
 * /2010-04-01/Accounts/{AccountSid}/Calls.json`, form-encoded, HTTP Basic auth with the account SID and auth token.
 * The call's TwiML comes from `Url` when the callee answers; `StatusCallback` hears how the call ended;
 * `MachineDetection=Enable` makes the provider tell an answering machine from a person (`AnsweredBy` on the request to
 * `Url`) before it fetches the TwiML.
 */

/** The account that places the calls. */
export interface CallsApiOptions {
  /** https://api.twilio.com, or a compatible provider's (the fake's on loopback in tests). */
  apiUrl: string;
  accountSid: string;
  authToken: string;
  timeoutMs?: number;
}

/** One call to place. */
export interface OutboundCall {
  /** E.164 with "+". */
  to: string;
  /** The city's caller id, E.164 with "+". */
  from: string;
  /** Where the provider fetches the TwiML once the call is answered. */
  url: string;
  /** Where the provider posts the call's progress and end. */
  statusCallback: string;
  /** Tell answering machines from people (AnsweredBy). */
  machineDetection: boolean;
  /** Seconds to let it ring. */
  timeoutSeconds?: number;
  /** Record the call (from the answer), and tell this URL when the recording is ready. */
  recordingStatusCallback?: string | undefined;
}

/** A refusal of the provider: `temporary` when the same call may be tried again later. */
export class CallApiError extends Error {
  constructor(
    message: string,
    readonly temporary: boolean,
    readonly code?: number,
  ) {
    super(message);
  }
}

/** Twilio's codes that no retry mends: an invalid or unreachable number, a caller id not verified. */
const PERMANENT_CODES = new Set([
  13223, 13224, 13225, 13227, 21205, 21210, 21211, 21214, 21215, 21216, 21217,
]);

/** The form of a call, as the Calls resource takes it. */
export function callForm(call: OutboundCall): URLSearchParams {
  const form = new URLSearchParams();
  form.set("To", call.to);
  form.set("From", call.from);
  form.set("Url", call.url);
  form.set("Method", "POST");
  form.set("StatusCallback", call.statusCallback);
  form.set("StatusCallbackMethod", "POST");
  for (const event of ["initiated", "ringing", "answered", "completed"])
    form.append("StatusCallbackEvent", event);
  if (call.machineDetection) form.set("MachineDetection", "Enable");
  form.set("Timeout", String(call.timeoutSeconds ?? 30));
  if (call.recordingStatusCallback) {
    form.set("Record", "true");
    form.set("RecordingStatusCallback", call.recordingStatusCallback);
    form.set("RecordingStatusCallbackMethod", "POST");
    form.set("RecordingStatusCallbackEvent", "completed");
  }
  return form;
}

/** The account's HTTP Basic credentials. */
export function basicAuth(options: CallsApiOptions): string {
  return `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString("base64")}`;
}

/** Places a call; answers the provider's call id (CA…). */
export async function createCall(options: CallsApiOptions, call: OutboundCall): Promise<{ sid: string }> {
  const base = options.apiUrl.replace(/\/+$/, "");
  const url = `${base}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Calls.json`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: {
        authorization: basicAuth(options),
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
      },
      body: callForm(call).toString(),
      signal: AbortSignal.timeout(options.timeoutMs ?? 20_000),
    });
  } catch (error) {
    throw new CallApiError(`calls API unreachable (${error instanceof Error ? error.name : "error"})`, true);
  }
  let answer: { sid?: unknown; code?: unknown; message?: unknown } | undefined;
  try {
    answer = (await response.json()) as typeof answer;
  } catch {
    answer = undefined;
  }
  if (response.ok && typeof answer?.sid === "string") return { sid: answer.sid };
  const code = typeof answer?.code === "number" ? answer.code : undefined;
  const message = `calls API ${response.status}${code !== undefined ? ` (${code})` : ""}: ${
    typeof answer?.message === "string" ? answer.message : "no answer"
  }`;
  const permanent = (code !== undefined && PERMANENT_CODES.has(code)) || response.status === 400;
  throw new CallApiError(message, !permanent, code);
}
