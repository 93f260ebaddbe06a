/** The jobs the satisfaction concept owns. */
import { z } from "zod";
import type { Job } from "../jobs/runner.ts";
import { remindSurveys } from "./commands.ts";

/** Sends the one reminder of surveys left unanswered. */
export const remindSurveysJob: Job = {
  name: "remind-surveys",
  payload: z.object({ slot: z.string() }),
  maxAttempts: 3,
  async run(ctx) {
    await remindSurveys(ctx.db);
  },
};
