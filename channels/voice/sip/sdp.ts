/**
 * The session descriptions of a call (SDP, RFC 4566, with the offer/answer rules of RFC 3264): where the other side
 * takes audio, and whether it speaks G.711 μ-law (payload type 0, 8 kHz) and RFC 4733 keypad events
 * (`telephone-event/8000`, a dynamic payload type). The platform speaks exactly that: one audio stream, PCMU, with
 * the keypad as events.
 */

/** What an offer or answer says about its audio. */
export interface AudioDescription {
  /** The address RTP is sent to (c=), and its port (m=audio). */
  address: string;
  port: number;
  /** Whether PCMU (payload type 0) is offered. */
  pcmu: boolean;
  /** The payload type of telephone-event/8000, when offered. */
  eventPayload?: number;
  /** sendrecv unless the other side holds the call. */
  direction: "sendrecv" | "sendonly" | "recvonly" | "inactive";
}

/** The audio of a session description, or undefined when it has none. */
export function parseSdp(sdp: string): AudioDescription | undefined {
  let sessionAddress = "";
  let media: { port: number; payloads: number[] } | undefined;
  let mediaAddress = "";
  let direction: AudioDescription["direction"] = "sendrecv";
  const rtpmap = new Map<number, string>();
  for (const raw of sdp.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith("c=")) {
      const address = line.split(/\s+/)[2] ?? "";
      if (media) mediaAddress = address;
      else sessionAddress = address;
    } else if (line.startsWith("m=")) {
      // Only the first audio stream counts; a later m= line ends it.
      if (media) break;
      const [kind, port, , ...payloads] = line.slice(2).split(/\s+/);
      if (kind === "audio") media = { port: Number(port), payloads: payloads.map(Number) };
    } else if (media && line.startsWith("a=rtpmap:")) {
      const match = /^a=rtpmap:(\d+)\s+([^/\s]+)\/(\d+)/.exec(line);
      if (match) rtpmap.set(Number(match[1]), `${match[2]!.toLowerCase()}/${match[3]}`);
    } else if (media && /^a=(sendrecv|sendonly|recvonly|inactive)$/.test(line)) {
      direction = line.slice(2) as AudioDescription["direction"];
    }
  }
  if (!media || !Number.isInteger(media.port)) return undefined;
  const eventPayload = media.payloads.find((pt) => rtpmap.get(pt) === "telephone-event/8000");
  return {
    address: mediaAddress || sessionAddress,
    port: media.port,
    pcmu: media.payloads.includes(0) && (rtpmap.get(0) ?? "pcmu/8000") === "pcmu/8000",
    ...(eventPayload !== undefined ? { eventPayload } : {}),
    direction,
  };
}

/** The payload type we offer telephone-event on (the common choice; an answer echoes the offer's). */
export const DEFAULT_EVENT_PAYLOAD = 101;

/**
 * Our description: PCMU and telephone-event at `address`:`port`. `sessionId` stays the same for a call's offer and
 * its later versions (`version` grows).
 */
export function buildSdp(options: {
  address: string;
  port: number;
  eventPayload?: number;
  sessionId: number;
  version?: number;
}): string {
  const pt = options.eventPayload ?? DEFAULT_EVENT_PAYLOAD;
  return [
    "v=0",
    `o=responsiva ${options.sessionId} ${options.version ?? 1} IN IP4 ${options.address}`,
    "s=Responsiva",
    `c=IN IP4 ${options.address}`,
    "t=0 0",
    `m=audio ${options.port} RTP/AVP 0 ${pt}`,
    "a=rtpmap:0 PCMU/8000",
    `a=rtpmap:${pt} telephone-event/8000`,
    `a=fmtp:${pt} 0-16`,
    "a=ptime:20",
    "a=sendrecv",
    "",
  ].join("\r\n");
}
