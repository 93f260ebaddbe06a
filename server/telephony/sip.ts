/**
 * The SIP gateway of a web process (SIP_LISTEN, docs/telephony.md "A city's own PBX over SIP"): started beside the
 * HTTP server it posts to. It signs the public URL the Twilio routes check (PUBLIC_URL) and reaches this process on
 * its own address, never through the internet. Prompts are kept in DATA_DIR/prompts; with SIP_API_LISTEN, its Calls
 * interface places the auditors' calls through the PBX, their recordings kept in DATA_DIR/sip-recordings until the
 * platform fetched and deleted them.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { startSipGateway } from "../../channels/voice/sip/gateway.ts";
import { startCallsRest } from "../../channels/voice/sip/rest.ts";
import { espeakSpeech } from "../../channels/voice/sip/speech.ts";
import type { Config } from "../config.ts";

/** The running gateway: its SIP port, the Calls interface's URL when on, and the way to stop both. */
export interface ConfiguredSip {
  port: number;
  apiUrl?: string | undefined;
  close(): Promise<void>;
}

/** The gateway, when SIP_LISTEN is set; `localUrl` is this process's HTTP address. */
export async function startConfiguredSip(
  config: Config,
  localUrl: string,
): Promise<ConfiguredSip | undefined> {
  const sip = config.sip;
  if (!sip || !config.twilioAuthToken) return undefined;
  const publicUrl = config.publicUrl;
  const accountSid =
    config.twilioAccount?.accountSid ??
    config.auditorCalls?.accountSid ??
    // An account id of the TwiML form (AC and 32 hex digits) of this install, when there is no Twilio account.
    `AC${createHash("sha256").update(`sip ${publicUrl}`).digest("hex").slice(0, 32)}`;
  const runner = {
    voiceUrl: `${publicUrl}/api/v1/telephony/twilio/voice`,
    authToken: config.twilioAuthToken,
    agentsUri: sip.agentsUri,
    pbxHost: sip.pbxHost,
    speech: espeakSpeech({ folder: join(config.dataDir, "prompts") }),
    reach: (url: string) =>
      url.startsWith(`${publicUrl}/`) ? `${localUrl}${url.slice(publicUrl.length)}` : url,
  };
  const gateway = await startSipGateway({
    ...runner,
    host: sip.host,
    port: sip.port,
    publicHost: sip.publicHost,
    statusUrl: `${publicUrl}/api/v1/telephony/twilio/status`,
    accountSid,
  });
  const rest = sip.api
    ? await startCallsRest({
        ...sip.api,
        accountSid,
        authToken: config.twilioAuthToken,
        agent: gateway.agent,
        rtpHost: sip.host,
        sdpHost: sip.publicHost ?? sip.host,
        pbxHost: sip.pbxHost,
        recordingsFolder: join(config.dataDir, "sip-recordings"),
        gateway: runner,
      })
    : undefined;
  // The inbound calls' recordings (<Start><Recording>) wait in the Calls interface's Recordings resource.
  if (rest) gateway.keepRecordingsWith(rest.keep);
  return {
    port: gateway.port,
    apiUrl: rest?.url,
    async close() {
      // The gateway's close hangs up the calls under way, which the Calls interface's close waits for.
      await Promise.all([rest?.close(), gateway.close()]);
    },
  };
}
