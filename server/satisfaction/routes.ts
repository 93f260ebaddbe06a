/** HTTP routes of satisfaction: the citizen's rating and reopening, and the indicators for staff. */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { Actor } from "../access/principal.ts";
import { citizenOwnsDemand } from "../citizen-access/queries.ts";
import { demandByProtocol, protocolParam, secretMatches, secretOf } from "../demands/access.ts";
import { AppError } from "../errors.ts";
import { can, loadStaff } from "../http/auth.ts";
import { route, validate } from "../http/openapi.ts";
import { rateDemand, reopenDemand } from "./commands.ts";
import { summarizeSatisfaction } from "./queries.ts";

const RatingInput = z.object({
  /** The citizen's secret (or the x-demand-secret header). */
  secret: z.string().max(200).optional(),
  /** 1 (very unsatisfied) to 5 (very satisfied). */
  rating: z.number().int().min(1).max(5),
  /** Was the demand solved? */
  solved: z.boolean(),
  comment: z.string().trim().max(2000).optional(),
});
const ReopenInput = z.object({
  secret: z.string().max(200).optional(),
  /** What is still wrong. */
  reason: z.string().trim().min(5).max(2000),
});
const SummaryQuery = z.object({
  by: z.enum(["department", "channel", "service"]).default("department"),
  /** Only surveys answered on or after this day (YYYY-MM-DD). */
  since: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional(),
});

/** Registers the satisfaction routes. */
export async function registerSatisfactionRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.ctx;

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/demands/:protocol/rating",
      summary: "Rate the answer to a closed demand (the citizen, with the secret)",
      tag: "satisfaction",
      action: "public",
      body: RatingInput,
      responses: {
        201: { description: "Thank you" },
        409: { description: "not_closed_yet or already_rated" },
      },
    },
    async (req, reply) => {
      const protocol = protocolParam(req);
      const input = validate(RatingInput, req.body);
      const demand = await demandByProtocol(db, protocol);
      const citizen =
        secretMatches(secretOf(req, input.secret), demand.secret_hash) ||
        (await citizenOwnsDemand(db, req, demand.id));
      if (!citizen) throw new AppError(403, "wrong_secret");
      await rateDemand(db, demand.id, input);
      return reply.status(201).send({ protocol, rating: input.rating, solved: input.solved });
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/demands/:protocol/reopen",
      summary: "Reopen a closed demand that was not solved: the citizen within the window, or a supervisor",
      tag: "satisfaction",
      action: "public",
      body: ReopenInput,
      responses: { 200: { description: "Reopened and sent back to the department" } },
    },
    async (req) => {
      const protocol = protocolParam(req);
      const input = validate(ReopenInput, req.body);
      const demand = await demandByProtocol(db, protocol);
      const staff = await loadStaff(req);
      let actor: Actor;
      if (staff && can(staff.role, "demands.reopen")) actor = { kind: "staff", id: staff.id };
      else if (
        secretMatches(secretOf(req, input.secret), demand.secret_hash) ||
        (await citizenOwnsDemand(db, req, demand.id))
      )
        actor = { kind: "citizen" };
      else throw new AppError(403, "wrong_secret");
      const result = await reopenDemand(db, actor, demand.id, input.reason);
      return { protocol, status: "dispatched", workOrder: result.workOrderId };
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/satisfaction/summary",
      summary:
        "Satisfaction by department, channel or service: surveys asked, answered, mean rating, share solved",
      tag: "satisfaction",
      action: "satisfaction.read",
      query: SummaryQuery,
    },
    async (req) => {
      const q = validate(SummaryQuery, req.query);
      return summarizeSatisfaction(db, q.by, q.since);
    },
  );
}
