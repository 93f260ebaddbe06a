import { SlotPayload } from "../jobs/payloads.ts";
import { type Job, PermanentError } from "../jobs/runner.ts";
import { currentRequestId } from "../observability/context.ts";
import {
  type AttemptOutcome,
  type AttemptPlan,
  markDeliveryDead,
  recordAttempt,
  startDeliveryAttempt,
} from "./commands.ts";
import { fanOutWebhooks } from "./fan-out.ts";
import { webhookIdOf } from "./present.ts";
import { DeliverWebhookPayload } from "./schemas.ts";
import { webhookHeaders } from "./signature.ts";

/** How often the scheduler enqueues the fan-out (its slot); events reach receivers within about this long. */
export const FAN_OUT_EVERY_SECONDS = 15;

/** Within the 15–30 s Standard Webhooks recommends: a receiver that takes longer is counted as failed. */
export const ATTEMPT_TIMEOUT_MS = 15_000;

/**
 * Attempts before a delivery goes dead. The runner waits 30 s, 1, 2, 4 … minutes (±20 %), at most an hour: seven
 * doublings (about an hour in all), then 70 hourly tries — about three days of a receiver being down.
 */
export const DELIVERY_MAX_ATTEMPTS = 78;

const EXCERPT_BYTES = 500;

/** Fans out new timeline events to the subscriptions that take them. */
export const fanOutWebhooksJob: Job<typeof SlotPayload> = {
  name: "fan-out-webhooks",
  payload: SlotPayload,
  maxAttempts: 3,
  async run(ctx) {
    await fanOutWebhooks(ctx.db);
  },
};

/** The deliver-webhook job with its per-attempt timeout (tests use a short one). */
export function deliverWebhookJob(options: { timeoutMs?: number } = {}): Job<typeof DeliverWebhookPayload> {
  const timeoutMs = options.timeoutMs ?? ATTEMPT_TIMEOUT_MS;
  return {
    name: "deliver-webhook",
    payload: DeliverWebhookPayload,
    maxAttempts: DELIVERY_MAX_ATTEMPTS,
    async run(ctx, payload, claim) {
      const plan = await ctx.db.transaction((tx) =>
        startDeliveryAttempt(tx, payload.deliveryId, claim?.id ?? null),
      );
      if (plan.kind !== "send") return;
      const outcome = await post(plan, timeoutMs);
      await ctx.db.transaction((tx) => recordAttempt(tx, payload.deliveryId, plan.attemptId, outcome));
      if (outcome.status !== null && outcome.status >= 200 && outcome.status < 300) return;
      if (outcome.status === 410)
        throw new PermanentError("410 Gone: the receiver wants no more; switched off");
      throw new Error(outcome.error ?? `HTTP ${outcome.status}`);
    },
    onDead: (tx, payload, _claim, error) => markDeliveryDead(tx, payload.deliveryId, error),
  };
}

/** The deliver-webhook job as the worker runs it. */
export const deliverWebhook = deliverWebhookJob();

/** One signed POST: never follows redirects (a 3xx is a failure), gives up after `timeoutMs`. */
async function post(plan: AttemptPlan, timeoutMs: number): Promise<AttemptOutcome> {
  const timestamp = Math.floor(Date.now() / 1000);
  const requestId = currentRequestId();
  try {
    const res = await fetch(plan.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "Responsiva-Webhooks/1",
        // The job's request id (the runner sets it), so the receiver's logs and ours meet on one id.
        ...(requestId ? { "x-request-id": requestId } : {}),
        ...webhookHeaders(plan.secrets, webhookIdOf(plan.eventId), timestamp, plan.body),
      },
      body: plan.body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    const excerpt = await readExcerpt(res);
    const ok = res.status >= 200 && res.status < 300;
    return { status: res.status, error: ok ? null : `HTTP ${res.status}`, responseExcerpt: excerpt };
  } catch (error) {
    return { status: null, error: describeFailure(error, timeoutMs), responseExcerpt: null };
  }
}

// The first bytes of the answer, for the log; the rest is not read.
async function readExcerpt(res: Response): Promise<string | null> {
  if (!res.body) return null;
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < EXCERPT_BYTES) {
    const { value, done } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
  }
  await reader.cancel().catch(() => {});
  const text = Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString("utf8");
  return text.length > 0 ? text : null;
}

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `no answer within ${timeoutMs} ms`;
  }
  const cause =
    error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return (cause?.code ? `${cause.code}: ${cause.message ?? message}` : message).slice(0, 2000);
}
