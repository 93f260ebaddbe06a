import { SlotPayload } from "../jobs/payloads.ts";
import type { Job } from "../jobs/runner.ts";
import { remindSurveys } from "./commands.ts";

/** Sends the one reminder of surveys left unanswered. */
export const remindSurveysJob: Job<typeof SlotPayload> = {
  name: "remind-surveys",
  payload: SlotPayload,
  maxAttempts: 3,
  async run(ctx) {
    await remindSurveys(ctx.db);
  },
};
