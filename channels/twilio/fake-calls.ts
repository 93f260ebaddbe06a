/**
 * The Calls resource of the fake Twilio account (./fake.ts): `POST /2010-04-01/Accounts/{AccountSid}/Calls.json`
 * checked as Twilio checks it (21201 no To, 21205 no Url, 21212 a From that is no number, 21211 an invalid To) and
 * answered 201 with the call resource (status queued). The fake only records the call: a test plays the callee by
 * posting what Twilio would post to the call's Url and StatusCallback, signed (FakeTwilio.post).
 */
import type { ServerResponse } from "node:http";

/** A call the fake accepted. */
export interface FakeTwilioCall {
  sid: string;
  to: string;
  from: string;
  url: string;
  statusCallback: string | null;
  statusCallbackEvents: string[];
  machineDetection: string | null;
  timeout: string | null;
  /** Record=true, and where the recording's status goes. */
  record: boolean;
  recordingStatusCallback: string | null;
}

/** A recording the fake account holds: its WAV bytes until deleted. */
export interface FakeRecording {
  sid: string;
  callSid: string;
  bytes: Buffer;
  deleted: boolean;
}

const E164 = /^\+[1-9]\d{7,14}$/;

/** Handles one POST to Calls.json; `fail` answers a Twilio error. */
export function createFakeCall(
  res: ServerResponse,
  form: URLSearchParams,
  context: { accountSid: string; sid: string; calls: FakeTwilioCall[] },
  fail: (status: number, code: number, message: string) => void,
): void {
  const to = form.get("To") ?? "";
  const from = form.get("From") ?? "";
  const url = form.get("Url") ?? "";
  const refusal: [number, string] | undefined = !to
    ? [21201, "No 'To' number is specified"]
    : !url && !form.get("Twiml")
      ? [21205, "Url parameter is required."]
      : !E164.test(from)
        ? [21212, `The 'From' number ${from} is not a valid phone number.`]
        : !E164.test(to)
          ? [21211, `The 'To' number ${to} is not a valid phone number.`]
          : undefined;
  if (refusal) {
    fail(400, refusal[0], refusal[1]);
    return;
  }
  const call: FakeTwilioCall = {
    sid: context.sid,
    to,
    from,
    url,
    statusCallback: form.get("StatusCallback"),
    statusCallbackEvents: form.getAll("StatusCallbackEvent"),
    machineDetection: form.get("MachineDetection"),
    timeout: form.get("Timeout"),
    record: form.get("Record") === "true",
    recordingStatusCallback: form.get("RecordingStatusCallback"),
  };
  context.calls.push(call);
  const now = new Date().toUTCString().replace("GMT", "+0000");
  const path = `/2010-04-01/Accounts/${context.accountSid}/Calls/${call.sid}`;
  res.writeHead(201, { "content-type": "application/json" });
  res.end(
    JSON.stringify({
      account_sid: context.accountSid,
      answered_by: null,
      api_version: "2010-04-01",
      caller_name: null,
      date_created: now,
      date_updated: now,
      direction: "outbound-api",
      duration: null,
      end_time: null,
      forwarded_from: null,
      from,
      from_formatted: from,
      parent_call_sid: null,
      phone_number_sid: null,
      price: null,
      price_unit: "USD",
      sid: call.sid,
      start_time: null,
      status: "queued",
      subresource_uris: { recordings: `${path}/Recordings.json` },
      to,
      to_formatted: to,
      uri: `${path}.json`,
    }),
  );
}

/** The parameters Twilio posts about an outbound call (to its Url, or its StatusCallback with `CallStatus`). */
export function outboundCallParams(
  accountSid: string,
  call: FakeTwilioCall,
  status: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    AccountSid: accountSid,
    ApiVersion: "2010-04-01",
    CallSid: call.sid,
    CallStatus: status,
    Called: call.to,
    Caller: call.from,
    Direction: "outbound-api",
    From: call.from,
    To: call.to,
    ...extra,
  };
}

/**
 * The Recordings resource's media and delete: `GET …/Recordings/{Sid}.wav` (audio/x-wav) and `DELETE
 * …/Recordings/{Sid}.json` (204). Answers whether it handled the request.
 */
export function serveFakeRecording(
  method: string | undefined,
  path: string,
  prefix: string,
  recordings: Map<string, FakeRecording>,
  res: ServerResponse,
): boolean {
  const match = new RegExp(`^${prefix}/Recordings/(RE[0-9a-f]{32})\\.(wav|json)$`).exec(path);
  const recording = match ? recordings.get(match[1]!) : undefined;
  if (!match || !recording || recording.deleted) return false;
  if (method === "GET" && match[2] === "wav") {
    res.writeHead(200, { "content-type": "audio/x-wav", "content-length": recording.bytes.length });
    res.end(recording.bytes);
    return true;
  }
  if (method === "DELETE" && match[2] === "json") {
    recording.deleted = true;
    res.writeHead(204);
    res.end();
    return true;
  }
  return false;
}

/** What Twilio posts to a call's RecordingStatusCallback when its recording is ready. */
export function recordingCallbackParams(
  accountSid: string,
  apiUrl: string,
  recording: FakeRecording,
  durationSeconds: number,
  source: "OutboundAPI" | "RecordVerb" = "OutboundAPI",
): Record<string, string> {
  return {
    AccountSid: accountSid,
    CallSid: recording.callSid,
    RecordingSid: recording.sid,
    RecordingUrl: `${apiUrl}/2010-04-01/Accounts/${accountSid}/Recordings/${recording.sid}`,
    RecordingStatus: "completed",
    RecordingDuration: String(durationSeconds),
    RecordingChannels: "1",
    RecordingSource: source,
    RecordingStartTime: new Date(Date.now() - durationSeconds * 1000).toUTCString().replace("GMT", "+0000"),
    RecordingTrack: source === "RecordVerb" ? "inbound" : "both",
  };
}

/**
 * A `<Record>` verb run on a call: the audio kept as a recording, its action posted as Twilio posts it
 * (RecordingUrl, RecordingSid, RecordingDuration, Digits: the key that ended it), then its recordingStatusCallback.
 */
export async function runRecordVerb<E>(
  fake: {
    accountSid: string;
    url: string;
    sid: string;
    calls: FakeTwilioCall[];
    recordings: Map<string, FakeRecording>;
    post(url: string, params: Record<string, string>): Promise<E>;
  },
  callSid: string,
  verb: { action: string; recordingStatusCallback?: string | undefined },
  wav: Buffer,
  durationSeconds: number,
  digits = "#",
) {
  const call = fake.calls.find((c) => c.sid === callSid);
  if (!call) throw new Error(`the fake placed no call ${callSid}`);
  const recording: FakeRecording = { sid: fake.sid, callSid, bytes: wav, deleted: false };
  fake.recordings.set(recording.sid, recording);
  const params = recordingCallbackParams(fake.accountSid, fake.url, recording, durationSeconds, "RecordVerb");
  const step = {
    RecordingUrl: params.RecordingUrl!,
    RecordingSid: recording.sid,
    RecordingDuration: String(durationSeconds),
    Digits: digits,
  };
  const action = await fake.post(verb.action, outboundCallParams(fake.accountSid, call, "in-progress", step));
  const callback = verb.recordingStatusCallback
    ? await fake.post(verb.recordingStatusCallback, params)
    : undefined;
  return { action, ...(callback ? { callback } : {}), sid: recording.sid };
}
