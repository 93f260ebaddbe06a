/**
 * The periodic jobs of the indicators: one keeps `demand_facts` (and the map's cells) up to date with the timeline
 * (facts.ts), the other builds again the months whose facts changed (months.ts).
 */
import { loadCalendar } from "../calendar/queries.ts";
import { SlotPayload } from "../jobs/payloads.ts";
import type { Job } from "../jobs/runner.ts";
import { refreshIndicatorFacts } from "./facts.ts";
import { buildIndicatorMonths } from "./months.ts";

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

/** How often the months are looked at: a past month touched by a late event is read from the facts until then. */
export const MONTHS_EVERY_SECONDS = 60;

export const buildIndicatorMonthsJob: Job<typeof SlotPayload> = {
  name: "build-indicator-months",
  payload: SlotPayload,
  maxAttempts: 3,
  async run(ctx) {
    const { timeZone } = await loadCalendar(ctx.db);
    await buildIndicatorMonths(ctx.db, timeZone);
  },
};
