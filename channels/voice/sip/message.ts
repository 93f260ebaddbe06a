/**
 * SIP messages on the wire (RFC 3261 §7, §20): a request or a response, its headers in order (names as sent, read
 * case-insensitively and in their compact forms), and a body. Only what a user agent that answers and places calls
 * needs: no proxying, no multipart bodies. Pure functions, no I/O.
 */

/** A SIP request (method and uri) or response (status and reason). */
export interface SipMessage {
  method?: string;
  uri?: string;
  status?: number;
  reason?: string;
  /** Each header line in order, [name as sent, value]; repeated and comma-joined values kept as they came. */
  headers: [string, string][];
  body: string;
}

/** RFC 3261 §7.3.3's compact header names. */
const COMPACT: Record<string, string> = {
  v: "via",
  f: "from",
  t: "to",
  i: "call-id",
  m: "contact",
  l: "content-length",
  c: "content-type",
  k: "supported",
  s: "subject",
  e: "content-encoding",
};

const canonical = (name: string) => {
  const lower = name.toLowerCase();
  return COMPACT[lower] ?? lower;
};

/** A datagram read as a SIP message, or undefined when it is not one (keep-alives, garbage). */
export function parseSip(data: Buffer | string): SipMessage | undefined {
  const text = typeof data === "string" ? data : data.toString("utf8");
  const split = text.indexOf("\r\n\r\n");
  const head = split < 0 ? text : text.slice(0, split);
  let body = split < 0 ? "" : text.slice(split + 4);
  const lines = head.split(/\r\n/);
  const first = lines.shift() ?? "";
  const message: SipMessage = { headers: [], body: "" };
  const response = /^SIP\/2\.0\s+(\d{3})\s*(.*)$/.exec(first);
  const request = /^([A-Z]+)\s+(\S+)\s+SIP\/2\.0$/.exec(first);
  if (response) {
    message.status = Number(response[1]);
    message.reason = response[2] ?? "";
  } else if (request) {
    message.method = request[1];
    message.uri = request[2];
  } else return undefined;
  for (const line of lines) {
    // A line starting with white space continues the one before (§7.3.1).
    if (/^[ \t]/.test(line) && message.headers.length > 0) {
      const last = message.headers[message.headers.length - 1]!;
      last[1] += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    message.headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  const length = header(message, "content-length");
  if (length !== undefined) body = Buffer.from(body, "utf8").subarray(0, Number(length)).toString("utf8");
  message.body = body;
  return message;
}

/** The message as bytes, with its Content-Length set from the body. */
export function serializeSip(message: SipMessage): Buffer {
  const first =
    message.method !== undefined
      ? `${message.method} ${message.uri} SIP/2.0`
      : `SIP/2.0 ${message.status} ${message.reason ?? ""}`;
  const lines = [first];
  for (const [name, value] of message.headers) {
    if (canonical(name) !== "content-length") lines.push(`${name}: ${value}`);
  }
  lines.push(`Content-Length: ${Buffer.byteLength(message.body, "utf8")}`);
  return Buffer.from(`${lines.join("\r\n")}\r\n\r\n${message.body}`, "utf8");
}

/** Every value of a header (each line, each comma-separated value outside quotes and angle brackets). */
export function headers(message: SipMessage, name: string): string[] {
  const wanted = canonical(name);
  const values: string[] = [];
  for (const [n, v] of message.headers) {
    if (canonical(n) !== wanted) continue;
    // Only these carry comma-separated lists that matter here.
    if (wanted === "via" || wanted === "contact" || wanted === "route" || wanted === "record-route")
      values.push(...splitList(v));
    else values.push(v);
  }
  return values;
}

/** The first value of a header. */
export function header(message: SipMessage, name: string): string | undefined {
  return headers(message, name)[0];
}

/** Splits "a, <b,c>, "d,e" <f>" at the commas that separate values. */
function splitList(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '"' && value[i - 1] !== "\\") quoted = !quoted;
    else if (!quoted && ch === "<") depth++;
    else if (!quoted && ch === ">") depth--;
    else if (!quoted && depth === 0 && ch === ",") {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(value.slice(start).trim());
  return out.filter((v) => v !== "");
}

/** A parameter of a header value (`;tag=…`, `;branch=…`), outside its angle-bracketed URI. */
export function paramOf(value: string | undefined, name: string): string | undefined {
  if (!value) return undefined;
  const after = value.includes(">") ? value.slice(value.lastIndexOf(">") + 1) : value;
  const match = new RegExp(`;\\s*${name}=([^;\\s,]+)`, "i").exec(after);
  return match?.[1];
}

/** The URI of a name-addr or addr-spec (`"Ana" <sip:ana@host>;tag=1` → `sip:ana@host`). */
export function uriOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const angled = /<([^>]*)>/.exec(value);
  if (angled) return angled[1];
  return value.split(";")[0]?.trim();
}

/** The user part of a SIP URI (`sip:+5511999@host` → `+5511999`), or undefined. */
export function userOf(uri: string | undefined): string | undefined {
  const match = /^sips?:([^@;>]+)@/i.exec(uri ?? "");
  return match?.[1] ? decodeURIComponent(match[1]) : undefined;
}

/** Host and port a SIP URI points at (5060 when it names none). */
export function hostPortOf(uri: string): { host: string; port: number } | undefined {
  const match = /^sips?:(?:[^@]+@)?(\[[^\]]+\]|[^:;>?]+)(?::(\d+))?/i.exec(uri);
  if (!match) return undefined;
  return { host: match[1]!.replace(/^\[|\]$/g, ""), port: match[2] ? Number(match[2]) : 5060 };
}

/** Where a response goes (§18.2.2): the top Via's `received`/`rport` when set, else its sent-by. */
export function viaTarget(via: string): { host: string; port: number } | undefined {
  const match = /^SIP\/2\.0\/\w+\s+(\[[^\]]+\]|[^:;\s]+)(?::(\d+))?/i.exec(via);
  if (!match) return undefined;
  const host = paramOf(via, "received") ?? match[1]!.replace(/^\[|\]$/g, "");
  const rport = paramOf(via, "rport");
  const port = rport && /^\d+$/.test(rport) ? Number(rport) : match[2] ? Number(match[2]) : 5060;
  return { host, port };
}

/** The headers a response copies from its request (§8.2.6.2): Via, From, To, Call-ID, CSeq. */
export function responseTo(request: SipMessage, status: number, reason: string, toTag?: string): SipMessage {
  const copied: [string, string][] = [];
  for (const [name, value] of request.headers) {
    const c = canonical(name);
    if (c === "via" || c === "from" || c === "call-id" || c === "cseq" || c === "record-route")
      copied.push([name, value]);
    else if (c === "to")
      copied.push([name, toTag && !paramOf(value, "tag") ? `${value};tag=${toTag}` : value]);
  }
  return { status, reason, headers: copied, body: "" };
}
