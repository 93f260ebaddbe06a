import { SlotPayload } from "../jobs/payloads.ts";
import type { Job } from "../jobs/runner.ts";
import { archiveForMissingComplement } from "../work-orders/complements.ts";
import { scanDeadlines } from "./scan.ts";

/** How often the scheduler asks for a scan: alarms fire at most this late. */
export const SCAN_EVERY_SECONDS = 30;

/**
 * Fires the alarms whose instant has come and archives demands whose citizen never sent the complement asked for.
 * Enqueued once per slot by the scheduler; two workers would split the due clocks (SKIP LOCKED) if they overlapped.
 */
export const scanDeadlinesJob: Job<typeof SlotPayload> = {
  name: "scan-deadlines",
  payload: SlotPayload,
  maxAttempts: 3,
  async run(ctx) {
    await scanDeadlines(ctx.db, {
      onExpiredComplement: async (expired) => {
        await archiveForMissingComplement(ctx.db, expired.demandId);
      },
    });
  },
};
