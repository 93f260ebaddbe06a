/**
 * The SIP gateway (decision 0072, docs/telephony.md "A city's own PBX over SIP"): the 156 line's calls come from the
 * city's PBX (Asterisk, FreeSWITCH) as from a trunk, are answered here with G.711 μ-law and RFC 4733 keys, and run
 * by the same TwiML the platform answers Twilio with: the gateway posts each step to the platform's Twilio webhooks,
 * signed as Twilio signs them, says the `<Say>` texts with espeak-ng and reads the keys. "Talk to an agent" is a
 * blind transfer (REFER) to the agents' queue on the PBX. When the call ends the gateway posts its status callback.
 */
import { randomBytes } from "node:crypto";
import { signTwilioRequest, TWILIO_SIGNATURE_HEADER } from "../parse.ts";
import { type IncomingInvite, type SipAgent, type SipCall, startSipAgent } from "./agent.ts";
import { userOf } from "./message.ts";
import { openRtp, type RtpSession } from "./rtp.ts";
import { buildSdp, parseSdp } from "./sdp.ts";
import { type Speech, wavToUlaw } from "./speech.ts";
import { runTwimlCall, type TwimlEnd } from "./twiml-call.ts";

export interface SipGatewayOptions {
  /** Where SIP is heard (host, port; 5060 by convention) and the host our Via, Contact and SDP name. */
  host: string;
  port: number;
  publicHost?: string;
  /** The platform's Twilio voice webhook and status callback (full URLs, as signed). */
  voiceUrl: string;
  statusUrl: string;
  /** The secret the TwiML dialect's requests are signed with (TWILIO_AUTH_TOKEN). */
  authToken: string;
  /** The account id posted as AccountSid (TWILIO_ACCOUNT_SID, or a name of the gateway's own). */
  accountSid: string;
  /** The agents' queue on the PBX (`<Enqueue>` goes there); and where `<Dial>`'s numbers are sent. */
  agentsUri?: string;
  pbxHost?: string;
  speech: Speech;
  /**
   * Where a signed URL is fetched: the platform's public address signed, its own loopback address reached (a
   * gateway in the web process needs no trip through the internet). The URL itself by default.
   */
  reach?: (url: string) => string;
}

export interface SipGateway {
  readonly port: number;
  readonly agent: SipAgent;
  /** Where inbound calls' recordings are kept (the Calls interface's Recordings resource); unset: not recorded. */
  keepRecordingsWith(keep: (audio: Buffer) => Promise<{ sid: string; url: string }>): void;
  /** Calls under way. */
  readonly active: number;
  close(): Promise<void>;
}

/** A number as the platform reads a caller's (E.164 with "+" when it is all digits and long enough). */
function numberOf(uri: string): string {
  const user = userOf(uri) ?? "";
  if (/^\+?\d{10,15}$/.test(user)) return user.startsWith("+") ? user : `+${user}`;
  return user || "anonymous";
}

/** Posts a form to `url`, signed as Twilio signs; the answer's text, or an error on a non-2xx answer. */
export async function postSigned(
  url: string,
  params: Record<string, string>,
  authToken: string,
  reach: (url: string) => string = (u) => u,
): Promise<string> {
  const res = await fetch(reach(url), {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      [TWILIO_SIGNATURE_HEADER]: signTwilioRequest(authToken, url, params),
    },
    body: new URLSearchParams(params).toString(),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  if (!res.ok && !text.includes("<Response")) throw new Error(`${url} answered ${res.status}`);
  return text;
}

/** `<Play>` audio already converted, by URL: only what its server called immutable (a recorded prompt). */
const immutable = new Map<string, Buffer>();

/** The μ-law audio of a `<Play>` URL. */
async function playable(url: string, reach?: (url: string) => string): Promise<Buffer> {
  const held = immutable.get(url);
  if (held) return held;
  const res = await fetch(reach?.(url) ?? url, { signal: AbortSignal.timeout(15_000) });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  const audio = wavToUlaw(Buffer.from(await res.arrayBuffer()));
  if (/\bimmutable\b/.test(res.headers.get("cache-control") ?? "")) {
    if (immutable.size >= 200) immutable.clear();
    immutable.set(url, audio);
  }
  return audio;
}

/** An answered call run by TwiML from `url`: the parameters every request carries, and how it went. */
export async function runAnsweredCall(
  options: Pick<SipGatewayOptions, "authToken" | "agentsUri" | "pbxHost" | "speech" | "reach" | "voiceUrl">,
  call: SipCall,
  rtp: RtpSession,
  base: Record<string, string>,
  url: string,
  extra?: Record<string, string>,
  keepRecording?: (audio: Buffer) => Promise<{ sid: string; url: string }>,
): Promise<TwimlEnd> {
  const hungUp = new AbortController();
  void call.ended.then(() => hungUp.abort());
  try {
    return await runTwimlCall(
      {
        rtp,
        speech: options.speech,
        signal: hungUp.signal,
        // As Twilio does: an inbound call's first request while the line rings, the steps after it in progress.
        fetchTwiml: (to, more) => {
          const status = to === options.voiceUrl && !more ? "ringing" : "in-progress";
          return postSigned(to, { ...base, CallStatus: status, ...more }, options.authToken, options.reach);
        },
        fetchAudio: (to) => playable(to, options.reach),
        async transfer(kind, target) {
          const uri =
            kind === "enqueue"
              ? options.agentsUri
              : target.startsWith("sip:")
                ? target
                : options.pbxHost
                  ? `sip:${target}@${options.pbxHost}`
                  : undefined;
          if (!uri) return false;
          const status = await call.refer(uri);
          if (status >= 300) return false;
          // Blind transfer: the PBX takes the caller to the target; our leg ends.
          await call.hangup();
          return true;
        },
        hangup: () => call.hangup(),
        ...(keepRecording ? { keepRecording } : {}),
      },
      url,
      extra,
    );
  } catch (error) {
    console.error("sip: a call failed", error);
    await call.hangup().catch(() => {});
    return "failed";
  }
}

/** Starts the gateway: SIP on `host`:`port`, RTP on ephemeral ports of the same host. */
export async function startSipGateway(options: SipGatewayOptions): Promise<SipGateway> {
  const host = options.publicHost ?? options.host;
  const running = new Set<Promise<void>>();
  let keep: ((audio: Buffer) => Promise<{ sid: string; url: string }>) | undefined;

  const take = async (invite: IncomingInvite) => {
    const offer = parseSdp(invite.offer);
    if (!offer?.pcmu) return invite.reject(488, "Not Acceptable Here");
    const rtp = await openRtp(options.host);
    const base = {
      CallSid: `CA${randomBytes(16).toString("hex")}`,
      AccountSid: options.accountSid,
      From: numberOf(invite.from),
      To: numberOf(invite.uri),
      Direction: "inbound",
      ApiVersion: "2010-04-01",
    };
    const call = invite.answer(
      buildSdp({ address: host, port: rtp.port, eventPayload: offer.eventPayload, sessionId: Date.now() }),
    );
    rtp.connect(offer.address, offer.port, offer.eventPayload);
    const started = Date.now();
    let end: TwimlEnd = "failed";
    try {
      end = await runAnsweredCall(options, call, rtp, base, options.voiceUrl, undefined, keep);
    } finally {
      rtp.close();
      // A transferred call goes on at the PBX, ringing in the consoles: its end is the PBX's to tell (CTI events).
      if (end !== "transferred") {
        const duration = Math.round((Date.now() - started) / 1000);
        await postSigned(
          options.statusUrl,
          { ...base, CallStatus: "completed", CallDuration: String(duration) },
          options.authToken,
          options.reach,
        ).catch((error) => console.error("sip: the status callback failed", error));
      }
    }
  };

  const agent = await startSipAgent({
    host: options.host,
    port: options.port,
    publicHost: options.publicHost,
    userAgent: "Responsiva SIP gateway",
    onInvite(invite) {
      const job = take(invite).catch((error) => console.error("sip: a call could not start", error));
      running.add(job);
      void job.finally(() => running.delete(job));
    },
  });

  return {
    port: agent.port,
    agent,
    get active() {
      return running.size;
    },
    keepRecordingsWith(fn) {
      keep = fn;
    },
    async close() {
      await agent.close();
      await Promise.allSettled([...running]);
    },
  };
}
