/**
 * The SIP gateway of a web process (SIP_LISTEN, docs/telephony.md "A city's own PBX over SIP"): started beside the
 * HTTP server it posts to. It signs the public URL the Twilio routes check (PUBLIC_URL) and reaches this process on
 * its own address, never through the internet. Prompts are kept in DATA_DIR/prompts.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { type SipGateway, startSipGateway } from "../../channels/voice/sip/gateway.ts";
import { espeakSpeech } from "../../channels/voice/sip/speech.ts";
import type { Config } from "../config.ts";

/** The gateway, when SIP_LISTEN is set; `localUrl` is this process's HTTP address. */
export async function startConfiguredSip(config: Config, localUrl: string): Promise<SipGateway | undefined> {
  if (!config.sip || !config.twilioAuthToken) return undefined;
  const publicUrl = config.publicUrl;
  return startSipGateway({
    host: config.sip.host,
    port: config.sip.port,
    publicHost: config.sip.publicHost,
    voiceUrl: `${publicUrl}/api/v1/telephony/twilio/voice`,
    statusUrl: `${publicUrl}/api/v1/telephony/twilio/status`,
    authToken: config.twilioAuthToken,
    // An account id of the TwiML form (AC and 32 hex digits): Twilio's when there is one, else one of this install.
    accountSid:
      config.auditorCalls?.accountSid ??
      `AC${createHash("sha256").update(`sip ${publicUrl}`).digest("hex").slice(0, 32)}`,
    agentsUri: config.sip.agentsUri,
    pbxHost: config.sip.pbxHost,
    speech: espeakSpeech({ folder: join(config.dataDir, "prompts") }),
    reach: (url) => (url.startsWith(`${publicUrl}/`) ? `${localUrl}${url.slice(publicUrl.length)}` : url),
  });
}
