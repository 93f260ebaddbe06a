/** The periodic job that keeps `demand_facts` up to date with the timeline (facts.ts). */
import { SlotPayload } from "../jobs/payloads.ts";
import type { Job } from "../jobs/runner.ts";
import { refreshIndicatorFacts } from "./facts.ts";

/** How often the scheduler queues the refresh: the panels trail the timeline by about this long. */
export const FACTS_EVERY_SECONDS = 5;

export const refreshIndicatorFactsJob: Job<typeof SlotPayload> = {
  name: "refresh-indicator-facts",
  payload: SlotPayload,
  maxAttempts: 3,
  async run(ctx) {
    await refreshIndicatorFacts(ctx.db);
  },
};
