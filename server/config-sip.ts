/**
 * The SIP gateway's settings (decision 0072, docs/telephony.md "A city's own PBX over SIP"): where it hears the
 * city's PBX, how the PBX reaches it, where transfers and numbers go, and where its Calls interface listens. Off
 * unless SIP_LISTEN is set; a half-configured gateway is a start-up problem naming what is missing.
 */
import { z } from "zod";

const HOST_PORT = /^[^\s:]+:\d{1,5}$/;

/** The gateway's environment variables, spread into the configuration's schema. */
export const SIP_ENV = {
  /** "host:port" (UDP) the PBX sends the 156 line's calls to; unset: no gateway. */
  SIP_LISTEN: z.string().regex(HOST_PORT, "host:port, e.g. 0.0.0.0:5060").optional(),
  /** The address the PBX reaches the gateway at, written in SIP and SDP (SIP_LISTEN's host by default). */
  SIP_PUBLIC_HOST: z.string().min(1).max(200).optional(),
  /** The agents' queue on the PBX, where "talk to an agent" is transferred (REFER). */
  SIP_AGENTS_URI: z
    .string()
    .regex(/^sips?:\S+$/, "a sip: URI")
    .optional(),
  /** The PBX's host[:port]: a <Dial>ed number, and an outbound call's, go to sip:NUMBER@SIP_PBX_HOST. */
  SIP_PBX_HOST: z.string().min(1).max(200).optional(),
  /** "host:port" of the gateway's Calls interface (Twilio's): TWILIO_API_URL points there to call over SIP. */
  SIP_API_LISTEN: z.string().regex(HOST_PORT, "host:port, e.g. 127.0.0.1:5062").optional(),
};

type SipEnv = z.infer<z.ZodObject<typeof SIP_ENV>> & {
  TWILIO_AUTH_TOKEN?: string | undefined;
  TWILIO_ACCOUNT_SID?: string | undefined;
  CALL_RECORDING_DAYS?: number | undefined;
};

export interface SipSettings {
  host: string;
  port: number;
  publicHost?: string | undefined;
  agentsUri?: string | undefined;
  pbxHost?: string | undefined;
  /** The Calls interface's host and port, when it is on. */
  api?: { host: string; port: number } | undefined;
}

const split = (value: string) => {
  const at = value.lastIndexOf(":");
  return { host: value.slice(0, at), port: Number(value.slice(at + 1)) };
};

/** The gateway's settings (undefined when off), or the problems that keep it from starting. */
export function sipSettings(e: SipEnv): { sip: SipSettings | undefined } | { problems: string[] } {
  if (!e.SIP_LISTEN) {
    if (e.SIP_API_LISTEN) return { problems: ["SIP_API_LISTEN: the Calls interface needs SIP_LISTEN"] };
    return { sip: undefined };
  }
  const problems: string[] = [];
  if (!e.TWILIO_AUTH_TOKEN)
    problems.push("SIP_LISTEN: the gateway signs its requests with TWILIO_AUTH_TOKEN, which is unset");
  if (/^(0\.0\.0\.0|::|\[::\])$/.test(split(e.SIP_LISTEN).host) && !e.SIP_PUBLIC_HOST)
    problems.push(
      "SIP_LISTEN: listening on every address, the gateway needs SIP_PUBLIC_HOST for the PBX to reach it",
    );
  if (e.SIP_API_LISTEN && !(e.SIP_PBX_HOST && e.TWILIO_ACCOUNT_SID))
    problems.push("SIP_API_LISTEN: calls over SIP need SIP_PBX_HOST and TWILIO_ACCOUNT_SID");
  // A recorded line says so to every caller: over SIP the recordings are kept in the gateway's Calls interface.
  if ((e.CALL_RECORDING_DAYS ?? 0) > 0 && !e.SIP_API_LISTEN)
    problems.push(
      "CALL_RECORDING_DAYS: calls over SIP are recorded in the gateway's Calls interface: set SIP_API_LISTEN and point TWILIO_API_URL at it",
    );
  if (problems.length > 0) return { problems };
  return {
    sip: {
      ...split(e.SIP_LISTEN),
      publicHost: e.SIP_PUBLIC_HOST,
      agentsUri: e.SIP_AGENTS_URI,
      pbxHost: e.SIP_PBX_HOST,
      api: e.SIP_API_LISTEN ? split(e.SIP_API_LISTEN) : undefined,
    },
  };
}
