/**
 * A call's recording at a Twilio-compatible provider: the status callback it posts when the recording is ready
 * (`RecordingSid`, `RecordingUrl`, `RecordingStatus`, `RecordingDuration`, `CallSid`), the media fetched from
 * `{RecordingUrl}.wav` and the recording deleted from the account afterwards (`DELETE
 * /2010-04-01/Accounts/{AccountSid}/Recordings/{RecordingSid}.json`), both with the account's Basic credentials.
 */
import { basicAuth, CallApiError, type CallsApiOptions } from "./calls-api.ts";
import { type FormParams, formValue } from "./parse.ts";

/** What a recording status callback says. */
export interface RecordingEvent {
  recordingSid: string;
  callSid: string;
  /** Where the provider serves it (no extension). */
  url: string;
  status: "in-progress" | "completed" | "absent" | "failed";
  durationSeconds: number | undefined;
}

const STATUSES = ["in-progress", "completed", "absent", "failed"] as const;

/** The callback's fields, or the names of those missing or malformed. */
export function parseRecordingEvent(
  params: FormParams,
): { ok: true; event: RecordingEvent } | { ok: false; fields: string[] } {
  const recordingSid = formValue(params, "RecordingSid") ?? "";
  const callSid = formValue(params, "CallSid") ?? "";
  const url = formValue(params, "RecordingUrl") ?? "";
  const status = formValue(params, "RecordingStatus") ?? "";
  const duration = formValue(params, "RecordingDuration");
  const fields: string[] = [];
  if (!/^RE[0-9a-fA-F]{32}$/.test(recordingSid)) fields.push("RecordingSid");
  if (!/^CA[0-9a-fA-F]{32}$/.test(callSid)) fields.push("CallSid");
  if (!URL.canParse(url)) fields.push("RecordingUrl");
  if (!(STATUSES as readonly string[]).includes(status)) fields.push("RecordingStatus");
  if (duration !== undefined && !/^\d{1,6}$/.test(duration)) fields.push("RecordingDuration");
  if (fields.length > 0) return { ok: false, fields };
  return {
    ok: true,
    event: {
      recordingSid,
      callSid,
      url,
      status: status as RecordingEvent["status"],
      durationSeconds: duration === undefined ? undefined : Number(duration),
    },
  };
}

/** The account's own recordings live under this prefix: nothing else is ever fetched with its credentials. */
export function recordingsPrefix(options: CallsApiOptions): string {
  return `${options.apiUrl.replace(/\/+$/, "")}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Recordings/`;
}

/** The biggest recording fetched (a 156 questionnaire lasts minutes: 16-bit 8 kHz WAV is ~1 MB a minute). */
export const MAX_RECORDING_BYTES = 64 * 1024 * 1024;

/** Fetches the recording's WAV; a 404 is permanent (gone), the rest may be tried again. */
export async function fetchRecording(
  options: CallsApiOptions,
  url: string,
): Promise<{ content: Buffer; mediaType: string }> {
  if (!url.startsWith(recordingsPrefix(options)))
    throw new CallApiError("not this account's recording", false);
  let response: Response;
  try {
    response = await fetch(`${url}.wav`, {
      headers: { authorization: basicAuth(options), accept: "audio/wav, audio/x-wav" },
      signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
    });
  } catch (error) {
    throw new CallApiError(`recording unreachable (${error instanceof Error ? error.name : "error"})`, true);
  }
  if (!response.ok)
    throw new CallApiError(`recording ${response.status}`, response.status !== 404, response.status);
  const declared = Number(response.headers.get("content-length") ?? 0);
  if (declared > MAX_RECORDING_BYTES) throw new CallApiError("recording too large", false);
  const content = Buffer.from(await response.arrayBuffer());
  if (content.length > MAX_RECORDING_BYTES) throw new CallApiError("recording too large", false);
  const mediaType = (response.headers.get("content-type") ?? "audio/wav").split(";")[0]!.trim();
  return { content, mediaType: mediaType === "audio/x-wav" ? "audio/wav" : mediaType };
}

/** Deletes the recording at the provider (one already gone counts as deleted). */
export async function deleteRecording(options: CallsApiOptions, recordingSid: string): Promise<void> {
  const url = `${recordingsPrefix(options)}${encodeURIComponent(recordingSid)}.json`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: "DELETE",
      headers: { authorization: basicAuth(options) },
      signal: AbortSignal.timeout(options.timeoutMs ?? 20_000),
    });
  } catch (error) {
    throw new CallApiError(
      `recordings API unreachable (${error instanceof Error ? error.name : "error"})`,
      true,
    );
  }
  if (response.ok || response.status === 404) return;
  throw new CallApiError(
    `recording delete ${response.status}`,
    response.status >= 500 || response.status === 429,
  );
}
