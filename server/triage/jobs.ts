import { JOB_PAYLOADS } from "../jobs/payloads.ts";
import { finishIn, type Job } from "../jobs/runner.ts";
import { routeDemand } from "./routing.ts";

/** Routes a demand written at intake: scores it, starts its clock, dispatches it or leaves it for an agent. */
export const routeDemandJob: Job<(typeof JOB_PAYLOADS)["route-demand"]> = {
  name: "route-demand",
  payload: JOB_PAYLOADS["route-demand"],
  maxAttempts: 10,
  async run(ctx, payload, claim) {
    await routeDemand(ctx.db, payload.demandId, undefined, (tx) => finishIn(tx, claim));
  },
};
