/** HTTP routes of deadlines and alarms: the alarm list and acknowledgement, alarm rules, the legal extension. */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { auditActorOf } from "../audit/record.ts";
import { checkDepartmentScope, demandByProtocol, protocolParam } from "../demands/access.ts";
import { requireStaff } from "../http/auth.ts";
import { route, validate } from "../http/openapi.ts";
import { linkNext, pageFields } from "../http/pagination.ts";
import { acknowledgeAlarm, addAlarmRule, listAlarmRuleViews, listAlarms, retireAlarmRule } from "./alarms.ts";
import { extendLegalDeadline, STAGES } from "./commands.ts";

const AlarmQuery = z.object({
  /** Only alarms not yet acknowledged (the default). */
  open: z.enum(["true", "false"]).default("true"),
  /** Only alarms of at least this level: 0 focal point, 1 supervisors, 2 managers. */
  minLevel: z.coerce.number().int().min(0).max(2).default(0),
  ...pageFields(100, 500),
});
const IdParams = z.object({ id: z.coerce.number().int().positive() });
const AlarmRuleInput = z.object({
  stage: z.enum(STAGES).optional(),
  /** A department's code; every department when left out. */
  department: z.string().max(40).optional(),
  /** Share of the clock: 0.5 is half, 1 the due instant, 1.5 half as much again past it. */
  fraction: z.number().gt(0).max(10),
  kind: z.enum(["deadline_near", "deadline_breached", "escalation"]),
  level: z.number().int().min(0).max(2),
});
const ExtendInput = z.object({ reason: z.string().trim().min(10).max(2000) });

/** Registers the deadline and alarm routes. */
export async function registerDeadlinesRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.ctx;

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/alarms",
      summary: "Alarms, newest first: department roles see their department's, others all",
      tag: "deadlines",
      action: "alarms.read",
      query: AlarmQuery,
      paginated: true,
    },
    async (req, reply) => {
      const staff = await requireStaff(req);
      const q = validate(AlarmQuery, req.query);
      const page = await listAlarms(db, staff, { ...q, open: q.open === "true" });
      linkNext(req, reply, page.next);
      return page.rows;
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/alarms/:id/acknowledge",
      summary: "Acknowledge an alarm: someone is on it",
      tag: "deadlines",
      action: "alarms.acknowledge",
      responses: { 204: { description: "Acknowledged" }, 404: { description: "unknown_alarm" } },
    },
    async (req, reply) => {
      const staff = await requireStaff(req);
      const { id } = validate(IdParams, req.params);
      await acknowledgeAlarm(db, staff, id);
      return reply.status(204).send();
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/alarm-rules",
      summary: "At which share of each clock which alarm goes to whom",
      tag: "deadlines",
      action: "alarms.read",
    },
    async () => listAlarmRuleViews(db),
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/alarm-rules",
      summary: "Add an alarm rule (clocks started from now on use it)",
      tag: "deadlines",
      action: "alarm_rules.manage",
      body: AlarmRuleInput,
      responses: { 201: { description: "Created" }, 409: { description: "alarm_rule_exists" } },
    },
    async (req, reply) => {
      const input = validate(AlarmRuleInput, req.body);
      const row = await addAlarmRule(db, input, auditActorOf(req));
      return reply.status(201).send({ id: row.id, ...input });
    },
  );

  route(
    app,
    {
      method: "DELETE",
      path: "/api/v1/alarm-rules/:id",
      summary: "Retire an alarm rule",
      tag: "deadlines",
      action: "alarm_rules.manage",
      responses: { 204: { description: "Retired" }, 404: { description: "unknown_alarm_rule" } },
    },
    async (req, reply) => {
      const { id } = validate(IdParams, req.params);
      await retireAlarmRule(db, id, auditActorOf(req));
      return reply.status(204).send();
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/demands/:protocol/extend-deadline",
      summary: "Extend an ombudsman legal deadline once by 30 days, with a reason (Lei 13.460/2017 art. 16)",
      tag: "deadlines",
      action: "deadlines.extend",
      body: ExtendInput,
      responses: {
        200: { description: "The new due instant" },
        409: {
          description:
            "deadline_already_extended, or extension_not_applicable (not an ombudsman type: complaint, report, compliment, suggestion)",
        },
      },
    },
    async (req) => {
      const staff = await requireStaff(req);
      const input = validate(ExtendInput, req.body);
      const protocol = protocolParam(req);
      const demand = await demandByProtocol(db, protocol);
      checkDepartmentScope(staff, demand, protocol);
      const due = await extendLegalDeadline(db, staff, demand.id, input.reason);
      return { protocol, dueAt: due.toISOString() };
    },
  );
}
