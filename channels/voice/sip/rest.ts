/**
 * The SIP gateway's outbound side, behind Twilio's Calls interface (decision 0072): the platform places a citizen
 * auditor's call exactly as with Twilio (`POST /2010-04-01/Accounts/{AccountSid}/Calls.json`, Basic auth, `Url`,
 * `StatusCallback`, `MachineDetection`, `Record`), only with `TWILIO_API_URL` pointing here. The gateway calls the
 * number through the PBX (`sip:NUMBER@SIP_PBX_HOST`), tells the StatusCallback how it went (initiated, ringing,
 * in-progress, then completed, busy, no-answer, failed or canceled), tells people from answering machines
 * (./answering.ts), runs the call by the TwiML at `Url`, and keeps its recording as Twilio's Recordings resource
 * does (`GET …/Recordings/{Sid}.wav`, `DELETE …/Recordings/{Sid}.json`) until the platform fetched and deleted it.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { join } from "node:path";
import type { SipAgent } from "./agent.ts";
import { detectAnswering } from "./answering.ts";
import { postSigned, runAnsweredCall, type SipGatewayOptions } from "./gateway.ts";
import { openRtp } from "./rtp.ts";
import { buildSdp, parseSdp } from "./sdp.ts";
import { ulawToWav } from "./speech.ts";

export interface CallsRestOptions {
  /** Where the interface listens (loopback or the platform's private network). */
  host: string;
  port: number;
  accountSid: string;
  authToken: string;
  agent: SipAgent;
  /** The host RTP binds to, and the one our SDP names. */
  rtpHost: string;
  sdpHost: string;
  /** Where numbers are called: sip:NUMBER@pbxHost. */
  pbxHost?: string;
  /** Where recordings wait to be fetched. */
  recordingsFolder: string;
  /** What runs an answered call (./gateway.ts). */
  gateway: Pick<SipGatewayOptions, "authToken" | "agentsUri" | "pbxHost" | "speech" | "reach" | "voiceUrl">;
}

const E164 = /^\+[1-9]\d{7,14}$/;
const TERMINAL = new Set(["completed", "busy", "no-answer", "failed", "canceled"]);

/** Twilio's error body. */
function fail(res: ServerResponse, status: number, code: number, message: string): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }));
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new Error("too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export interface CallsRest {
  /** The base URL to set as TWILIO_API_URL. */
  readonly url: string;
  /** Calls placed and not yet ended. */
  readonly active: number;
  /** Keeps audio as a recording of the Recordings resource (the inbound calls' too): its sid and URL. */
  keep(audio: Buffer): Promise<{ sid: string; url: string }>;
  close(): Promise<void>;
}

/** Starts the Calls interface of the gateway. */
export async function startCallsRest(options: CallsRestOptions): Promise<CallsRest> {
  const running = new Set<Promise<void>>();
  const prefix = `/2010-04-01/Accounts/${options.accountSid}`;
  const expected = Buffer.from(
    `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString("base64")}`,
  );
  let url = "";

  /** Keeps audio as a recording the platform fetches (and then deletes) by the Recordings resource. */
  const keep = async (audio: Buffer) => {
    const sid = `RE${randomBytes(16).toString("hex")}`;
    await mkdir(options.recordingsFolder, { recursive: true });
    await writeFile(join(options.recordingsFolder, `${sid}.wav`), ulawToWav(audio));
    return { sid, url: `${url}${prefix}/Recordings/${sid}` };
  };

  const place = async (sid: string, form: URLSearchParams) => {
    const to = form.get("To")!;
    const from = form.get("From")!;
    const statusCallback = form.get("StatusCallback");
    const events = new Set(form.getAll("StatusCallbackEvent"));
    const base = {
      AccountSid: options.accountSid,
      ApiVersion: "2010-04-01",
      CallSid: sid,
      Called: to,
      Caller: from,
      Direction: "outbound-api",
      From: from,
      To: to,
    };
    const notify = async (status: string, extra: Record<string, string> = {}) => {
      const event = status === "in-progress" ? "answered" : TERMINAL.has(status) ? "completed" : status;
      // Twilio always tells the end; the rest only when asked.
      if (!statusCallback || (event !== "completed" && !events.has(event))) return;
      await postSigned(statusCallback, { ...base, CallStatus: status, ...extra }, options.authToken).catch(
        (error) => console.error("sip: a call's status callback failed", error),
      );
    };
    await notify("initiated");
    if (!options.pbxHost) return notify("failed");
    const rtp = await openRtp(options.rtpHost);
    try {
      const placed = await options.agent.invite({
        target: `sip:${to.replace(/^\+/, "")}@${options.pbxHost}`,
        fromUser: from.replace(/^\+/, ""),
        sdp: buildSdp({ address: options.sdpHost, port: rtp.port, sessionId: Date.now() }),
        ringMs: Math.min(600, Math.max(5, Number(form.get("Timeout") ?? 60) || 60)) * 1000,
        onRinging: () => void notify("ringing"),
      });
      if (placed.outcome !== "answered") return await notify(placed.outcome);
      const { call } = placed;
      const answer = parseSdp(call.remoteSdp);
      if (!answer?.pcmu) {
        await call.hangup();
        return await notify("failed");
      }
      rtp.connect(answer.address, answer.port, answer.eventPayload);
      const started = Date.now();
      // The whole call, both sides: the questions and the answers.
      const recording = form.get("Record") === "true" ? rtp.record({ both: true }) : undefined;
      const answeredBy = form.get("MachineDetection") ? await detectAnswering(rtp, call.ended) : undefined;
      await notify("in-progress", answeredBy ? { AnsweredBy: answeredBy } : {});
      await runAnsweredCall(
        options.gateway,
        call,
        rtp,
        base,
        form.get("Url")!,
        answeredBy ? { AnsweredBy: answeredBy } : undefined,
        keep,
      );
      const duration = String(Math.round((Date.now() - started) / 1000));
      const callback = form.get("RecordingStatusCallback");
      if (recording) {
        const audio = recording.stop();
        const kept = await keep(audio);
        if (callback)
          await postSigned(
            callback,
            {
              AccountSid: options.accountSid,
              CallSid: sid,
              RecordingSid: kept.sid,
              RecordingUrl: kept.url,
              RecordingStatus: "completed",
              RecordingDuration: String(Math.round(audio.length / 8000)),
              RecordingChannels: "1",
              RecordingSource: "OutboundAPI",
            },
            options.authToken,
          ).catch((error) => console.error("sip: a recording's callback failed", error));
      }
      await notify("completed", { CallDuration: duration });
    } finally {
      rtp.close();
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://gateway").pathname;
    const auth = Buffer.from(req.headers.authorization ?? "");
    if (!path.startsWith(`${prefix}/`) || auth.length !== expected.length || !timingSafeEqual(auth, expected))
      return fail(res, 401, 20003, "Authenticate");
    const recording = new RegExp(`^${prefix}/Recordings/(RE[0-9a-f]{32})\\.(wav|json)$`).exec(path);
    if (recording) {
      const file = join(options.recordingsFolder, `${recording[1]}.wav`);
      if (req.method === "GET" && recording[2] === "wav") {
        const bytes = await readFile(file).catch(() => undefined);
        if (!bytes) return fail(res, 404, 20404, "The requested resource was not found");
        res.writeHead(200, { "content-type": "audio/x-wav", "content-length": bytes.length });
        return res.end(bytes);
      }
      if (req.method === "DELETE" && recording[2] === "json") {
        await rm(file, { force: true });
        res.writeHead(204);
        return res.end();
      }
    }
    if (req.method !== "POST" || path !== `${prefix}/Calls.json`)
      return fail(res, 404, 20404, "The requested resource was not found");
    const form = new URLSearchParams(await bodyOf(req));
    const to = form.get("To") ?? "";
    const from = form.get("From") ?? "";
    if (!to) return fail(res, 400, 21201, "No 'To' number is specified");
    if (!form.get("Url")) return fail(res, 400, 21205, "Url parameter is required.");
    if (!E164.test(from))
      return fail(res, 400, 21212, `The 'From' number ${from} is not a valid phone number.`);
    if (!E164.test(to)) return fail(res, 400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    const sid = `CA${randomBytes(16).toString("hex")}`;
    const now = new Date().toUTCString().replace("GMT", "+0000");
    res.writeHead(201, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        sid,
        account_sid: options.accountSid,
        api_version: "2010-04-01",
        date_created: now,
        date_updated: now,
        direction: "outbound-api",
        from,
        to,
        status: "queued",
        uri: `${prefix}/Calls/${sid}.json`,
      }),
    );
    const job = place(sid, form).catch((error) => console.error("sip: a call could not be placed", error));
    running.add(job);
    void job.finally(() => running.delete(job));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) fail(res, 400, 20001, "Bad request");
      else res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port, options.host, resolve));
  const address = server.address() as { port: number };
  url = `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${address.port}`;
  return {
    url,
    get active() {
      return running.size;
    },
    keep,
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await Promise.allSettled([...running]);
    },
  };
}
