/** HTTP route of the job view: the outbox per job, for supervisors, managers and admins (who see dead letters). */
import type { FastifyInstance } from "fastify";
import { route } from "../http/openapi.ts";
import { JOBS } from "./registry.ts";
import { JobsView, readJobsView } from "./view.ts";

/** Registers GET /api/v1/jobs. */
export async function registerJobsRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.ctx;
  const registered = JOBS.map((j) => j.name);

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/jobs",
      summary:
        "The outbox per job: waiting, running, the oldest due row's delay, dead rows, the last error's class",
      tag: "jobs",
      // Whoever may read the dead letters may see how many there are and how the queue keeps up.
      action: "dead_letters.read",
      responses: { 200: { description: "One line per job", schema: JobsView } },
    },
    async () => readJobsView(db, registered),
  );
}
