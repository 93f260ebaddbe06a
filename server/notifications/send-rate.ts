/**
 * Per-provider send rates shared by every worker process (migrations/0052_send_rates.sql): before handing a
 * message to a channel's adapter, a job takes the next slot of that channel (one statement, the row moved on by
 * 1/rate seconds) and waits until it starts. A job whose slot is further away than it should wait gives the slot
 * up and is retried later by the outbox, so a burst never holds the workers. SEND_RATES sets the rates (0: none).
 */
import type { OutboundChannel } from "../../channels/index.ts";
import type { Config } from "../config.ts";
import type { Sql } from "../db/index.ts";

/** Messages a second per channel, by default: WhatsApp Cloud API's 80, Telegram's 30 (a little under), SMS 30, e-mail 20. */
export const DEFAULT_SEND_RATES: Record<OutboundChannel, number> = {
  whatsapp: 80,
  telegram: 25,
  sms: 30,
  email: 20,
};

/** A slot further away than this is not waited for: the job is retried later instead. */
const MAX_WAIT_MS = 5_000;

/** The send was not started: the channel's rate is used up for longer than a job waits. */
export class RateLimited extends Error {
  constructor(channel: string, waitMs: number) {
    super(`the ${channel} send rate is used up for ${Math.round(waitMs)} ms; tried again later`);
    this.name = "RateLimited";
  }
}

/** Parses SEND_RATES ("whatsapp=80,sms=30"): the defaults, with the channels it names changed. */
export function parseSendRates(
  value: string | undefined,
): Record<OutboundChannel, number> | { problem: string } {
  const rates = { ...DEFAULT_SEND_RATES };
  for (const item of (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^(whatsapp|telegram|sms|email)=(\d+(?:\.\d+)?)$/.exec(item);
    if (!m || Number(m[2]) > 10_000)
      return {
        problem: `SEND_RATES: "${item}" is not channel=messages-per-second (whatsapp, telegram, sms, email)`,
      };
    rates[m[1] as OutboundChannel] = Number(m[2]);
  }
  return rates;
}

/**
 * Takes the channel's next send slot and waits for it; throws RateLimited when it is too far away. A rate of 0
 * means no shared limit (a relay of the city's own that takes anything): no slot, no statement.
 */
export async function awaitSendSlot(db: Sql, channel: OutboundChannel, perSecond: number): Promise<void> {
  if (perSecond <= 0) return;
  const spacingMs = 1000 / perSecond;
  const [row] = await db.query<{ wait_ms: number }>(
    `INSERT INTO send_rates AS r (channel, next_at) VALUES ($1, clock_timestamp() + make_interval(secs => $2::float8 / 1000.0))
     ON CONFLICT (tenant_id, channel) DO UPDATE
       SET next_at = greatest(r.next_at, clock_timestamp()) + make_interval(secs => $2::float8 / 1000.0)
     RETURNING (extract(epoch FROM r.next_at - clock_timestamp()) * 1000 - $2::float8)::float8 AS wait_ms`,
    [channel, spacingMs],
  );
  const waitMs = Number(row?.wait_ms ?? 0);
  if (waitMs > MAX_WAIT_MS) throw new RateLimited(channel, waitMs);
  if (waitMs > 1) await new Promise((resolve) => setTimeout(resolve, waitMs));
}

/** The configured rate of a channel. */
export function sendRateOf(config: Config, channel: OutboundChannel): number {
  return config.messaging.sendRates?.[channel] ?? DEFAULT_SEND_RATES[channel];
}
