/** HTTP routes of the triage queue: take next, the queue, reclassify, dispatch, merge, cancel (duplicates: ../duplicates/). */
import type { FastifyInstance } from "fastify";
import { parseProtocol } from "../../domain/protocol.ts";
import {
  DEMAND_STATUSES,
  DEMAND_TRANSITIONS,
  WORK_ORDER_STATES,
  WORK_ORDER_TRANSITIONS,
} from "../../domain/status.ts";
import { classifyDemand } from "../classification/queries.ts";
import { checkDepartmentScope, demandByProtocol, protocolParam } from "../demands/access.ts";
import { AppError } from "../errors.ts";
import { requireStaff } from "../http/auth.ts";
import { route, validate } from "../http/openapi.ts";
import { linkNext } from "../http/pagination.ts";
import {
  cancelDemand,
  dispatchFromQueue,
  mergeDemand,
  reclassifyDemand,
  releaseClaim,
  takeNext,
} from "./commands.ts";
import { findDuplicates, listQueue } from "./queries.ts";
import { CancelInput, DispatchInput, MergeInput, QueueQuery, ReclassifyInput, TakenView } from "./schemas.ts";

/** Registers the triage routes. */
export async function registerTriageRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.ctx;

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/workflow/statuses",
      summary: "The status model: every demand status and work-order state with the moves it allows",
      tag: "triage",
      action: "public",
    },
    async () => ({
      demand: Object.fromEntries(DEMAND_STATUSES.map((s) => [s, DEMAND_TRANSITIONS[s]])),
      workOrder: Object.fromEntries(WORK_ORDER_STATES.map((s) => [s, WORK_ORDER_TRANSITIONS[s]])),
    }),
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/triage/next",
      summary:
        "Take the most urgent unclaimed demand of the queue (held for 15 minutes); 204 when it is empty",
      tag: "triage",
      action: "triage.work",
      responses: {
        200: { description: "The demand now held", schema: TakenView },
        204: { description: "Empty" },
      },
    },
    async (req, reply) => {
      const staff = await requireStaff(req);
      const item = await takeNext(db, staff);
      if (!item) return reply.status(204).send();
      const duplicates = await findDuplicates(db, { demandId: item.id });
      const suggestions = await classifyDemand(db, {
        text: item.description,
        channel: item.channel,
        districtCode: item.districtCode,
      });
      return {
        id: item.id,
        protocol: item.protocol,
        status: item.status,
        claimedUntil: item.claimedUntil.toISOString(),
        duplicates: duplicates.map((d) => ({
          protocol: d.protocol,
          status: d.status,
          distanceM: d.distance_m,
        })),
        suggestions: suggestions.map((c) => ({ code: c.code, name: c.name, score: c.score })),
      };
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/triage/queue",
      summary: "The waiting demands, most urgent first, with who holds each",
      tag: "triage",
      action: "triage.work",
      query: QueueQuery,
      paginated: true,
    },
    async (req, reply) => {
      const page = await listQueue(db, validate(QueueQuery, req.query));
      linkNext(req, reply, page.next);
      return page.rows.map((q) => ({
        protocol: q.protocol,
        status: q.status,
        service: q.service_code,
        openedAt: q.opened_at.toISOString(),
        dueAt: q.due_at?.toISOString() ?? null,
        priority: q.priority,
        claimedBy: q.claimed_by,
        claimedUntil: q.claimed_until?.toISOString() ?? null,
      }));
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/triage/:protocol/release",
      summary: "Give a held demand back to the queue",
      tag: "triage",
      action: "triage.work",
      responses: { 204: { description: "Released" }, 409: { description: "not_claimed" } },
    },
    async (req, reply) => {
      const staff = await requireStaff(req);
      const demand = await demandByProtocol(db, protocolParam(req));
      await releaseClaim(db, staff, demand.id);
      return reply.status(204).send();
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/demands/:protocol/reclassify",
      summary: "Put a waiting demand in another service; the matrix picks its department again",
      tag: "triage",
      action: "triage.work",
      body: ReclassifyInput,
      responses: { 204: { description: "Reclassified" }, 409: { description: "illegal_transition" } },
    },
    async (req, reply) => {
      const staff = await requireStaff(req);
      const input = validate(ReclassifyInput, req.body);
      const demand = await demandByProtocol(db, protocolParam(req));
      await reclassifyDemand(db, staff, demand.id, input.service);
      return reply.status(204).send();
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/demands/:protocol/dispatch",
      summary: "Send a waiting demand to a department: the matrix's, or the one named",
      tag: "triage",
      action: "triage.work",
      body: DispatchInput,
      responses: { 200: { description: "The new work order" }, 409: { description: "illegal_transition" } },
    },
    async (req) => {
      const staff = await requireStaff(req);
      const input = validate(DispatchInput, req.body ?? {});
      const demand = await demandByProtocol(db, protocolParam(req));
      const result = await dispatchFromQueue(db, staff, demand.id, input.department);
      return { workOrder: result.workOrderId };
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/demands/:protocol/merge",
      summary: "Merge a duplicate into the demand it repeats; its citizens follow the surviving one",
      tag: "triage",
      action: "triage.work",
      body: MergeInput,
      responses: { 204: { description: "Merged" }, 409: { description: "illegal_transition" } },
    },
    async (req, reply) => {
      const staff = await requireStaff(req);
      const input = validate(MergeInput, req.body);
      const into = parseProtocol(input.into);
      if (!into.ok) throw new AppError(400, "bad_check_digit", {}, [{ field: "into", code: into.problem }]);
      const duplicate = await demandByProtocol(db, protocolParam(req));
      const survivor = await demandByProtocol(db, into.protocol);
      await mergeDemand(db, staff, duplicate.id, survivor.id);
      return reply.status(204).send();
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/demands/:protocol/cancel",
      summary: "Cancel a demand with a reason; its citizens are told",
      tag: "triage",
      action: "demands.cancel",
      body: CancelInput,
      responses: { 204: { description: "Cancelled" }, 409: { description: "illegal_transition" } },
    },
    async (req, reply) => {
      const staff = await requireStaff(req);
      const input = validate(CancelInput, req.body);
      const protocol = protocolParam(req);
      const demand = await demandByProtocol(db, protocol);
      checkDepartmentScope(staff, demand, protocol);
      await cancelDemand(db, staff, demand.id, input.reason);
      return reply.status(204).send();
    },
  );
}
