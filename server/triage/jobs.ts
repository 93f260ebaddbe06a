/** The jobs the triage concept owns. */
import { z } from "zod";
import type { Job } from "../jobs/runner.ts";
import { routeDemand } from "./commands.ts";

/** Routes a demand written at intake: scores it, starts its clock, dispatches it or leaves it for an agent. */
export const routeDemandJob: Job = {
  name: "route-demand",
  payload: z.object({ demandId: z.number().int().positive() }),
  maxAttempts: 10,
  async run(ctx, payload: { demandId: number }) {
    await routeDemand(ctx.db, payload.demandId);
  },
};
