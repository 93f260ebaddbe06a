/**
 * The Standard Webhooks signature scheme (https://www.standardwebhooks.com): HMAC-SHA256 with the subscription's
 * secret over `{webhook-id}.{webhook-timestamp}.{body}`, sent as `v1,<base64>` in `webhook-signature` (space
 * separated when a rotated secret still signs too). Secrets are `whsec_` + base64 of 32 random bytes; the key is the
 * decoded bytes. Pure functions over node:crypto, so receivers can copy `verifyWebhookSignature` as it is.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** How far a `webhook-timestamp` may be from the receiver's clock before the message is refused as a replay. */
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

const PREFIX = "whsec_";

/** A new signing secret, shown once to the admin who creates (or rotates) a subscription. */
export function generateSecret(): string {
  return PREFIX + randomBytes(32).toString("base64");
}

function keyOf(secret: string): Buffer {
  const key = Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, "base64");
  if (key.length === 0) throw new Error("empty webhook secret");
  return key;
}

/** The `v1,<base64>` signature of one message with one secret. */
export function signWebhook(secret: string, id: string, timestamp: number | string, body: string): string {
  const mac = createHmac("sha256", keyOf(secret)).update(`${id}.${timestamp}.${body}`).digest("base64");
  return `v1,${mac}`;
}

/** The headers of one delivery attempt: id, timestamp (Unix seconds) and one signature per live secret. */
export function webhookHeaders(
  secrets: readonly string[],
  id: string,
  timestamp: number,
  body: string,
): Record<string, string> {
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": secrets.map((s) => signWebhook(s, id, timestamp, body)).join(" "),
  };
}

/** Why a message was refused, or that it is authentic. */
export type Verification =
  | { ok: true }
  | { ok: false; reason: "missing_headers" | "bad_timestamp" | "outside_window" | "bad_signature" };

/**
 * Checks a received webhook: the three headers are there, the timestamp lies within `toleranceSeconds` of `now`
 * (the replay window), and one of the `v1` signatures matches the raw body (constant-time comparison). `headers`
 * may use any letter case; `body` must be the raw bytes received, not JSON parsed and serialised again.
 */
export function verifyWebhookSignature(options: {
  secret: string;
  headers: Record<string, string | string[] | undefined>;
  body: string | Buffer;
  toleranceSeconds?: number;
  now?: Date;
}): Verification {
  const header = (name: string) => {
    const entry = Object.entries(options.headers).find(([k]) => k.toLowerCase() === name)?.[1];
    return Array.isArray(entry) ? entry[0] : entry;
  };
  const id = header("webhook-id");
  const timestamp = header("webhook-timestamp");
  const signatures = header("webhook-signature");
  if (!id || !timestamp || !signatures) return { ok: false, reason: "missing_headers" };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "bad_timestamp" };
  const nowSeconds = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (Math.abs(nowSeconds - Number(timestamp)) > tolerance) return { ok: false, reason: "outside_window" };
  const body = typeof options.body === "string" ? options.body : options.body.toString("utf8");
  const expected = Buffer.from(signWebhook(options.secret, id, timestamp, body).slice(3), "base64");
  for (const candidate of signatures.split(" ")) {
    const [version, value] = candidate.split(",", 2);
    if (version !== "v1" || !value) continue;
    const given = Buffer.from(value, "base64");
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { ok: true };
  }
  return { ok: false, reason: "bad_signature" };
}
