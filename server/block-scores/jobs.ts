/**
 * The jobs of block scores: `refresh-stale-block-scores` recomputes the blocks a change marked stale (stale.ts),
 * `refresh-block-scores` recomputes every pair of the tenant — hourly from the scheduler, and when a manager asks or
 * changes the settings. Each runs its refresh and ends its outbox row in one transaction.
 */
import { JOB_PAYLOADS, SlotPayload } from "../jobs/payloads.ts";
import { finishIn, type Job } from "../jobs/runner.ts";
import { refreshBlockScores } from "./refresh.ts";
import { STALE_JOB } from "./stale.ts";

/**
 * How often every score is recomputed in full: what no sync marks stale moves slowly (a demand turning late, a
 * rating, evidence ageing by the hour against a half-life of weeks), and a full refresh costs seconds.
 */
export const FULL_REFRESH_EVERY_SECONDS = 3600;

/** Recomputes every block and service pair of the tenant. */
export const refreshBlockScoresJob: Job<typeof SlotPayload> = {
  name: "refresh-block-scores",
  payload: SlotPayload,
  maxAttempts: 3,
  async run(ctx, _payload, claim) {
    await ctx.db.transaction(async (tx) => {
      await refreshBlockScores(tx, null);
      await finishIn(tx, claim);
    });
  },
};

const StalePayload = JOB_PAYLOADS[STALE_JOB];

/** Recomputes the pairs of the blocks marked stale. */
export const refreshStaleBlockScoresJob: Job<typeof StalePayload> = {
  name: STALE_JOB,
  payload: StalePayload,
  maxAttempts: 5,
  async run(ctx, payload, claim) {
    await ctx.db.transaction(async (tx) => {
      await refreshBlockScores(tx, payload.blockIds);
      await finishIn(tx, claim);
    });
  },
};
