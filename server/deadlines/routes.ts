/** HTTP routes of deadlines and alarms: the alarm list and acknowledgement, alarm rules, the legal extension. */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { maybeOne } from "../db/index.ts";
import { checkDepartmentScope, demandByProtocol, protocolParam } from "../demands/access.ts";
import { AppError } from "../errors.ts";
import { isDepartmentScoped, requireStaff } from "../http/auth.ts";
import { route, validate } from "../http/openapi.ts";
import { extendLegalDeadline, STAGES } from "./commands.ts";

const AlarmQuery = z.object({
  /** Only alarms not yet acknowledged (the default). */
  open: z.enum(["true", "false"]).default("true"),
  /** Only alarms of at least this level: 0 focal point, 1 supervisors, 2 managers. */
  minLevel: z.coerce.number().int().min(0).max(2).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(100),
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
    },
    async (req) => {
      const staff = await requireStaff(req);
      const q = validate(AlarmQuery, req.query);
      const rows = await db.query<{
        id: number;
        kind: string;
        level: number;
        protocol: string | null;
        department: string | null;
        data: Record<string, unknown>;
        raised_at: Date;
        acknowledged_at: Date | null;
      }>(
        `SELECT a.id, a.kind, a.level, d.protocol, dep.code AS department, a.data, a.raised_at, a.acknowledged_at
           FROM alarms a
           LEFT JOIN demands d ON d.id = a.demand_id
           LEFT JOIN departments dep ON dep.id = a.department_id
          WHERE ($1::boolean = false OR a.acknowledged_at IS NULL)
            AND a.level >= $2 AND ($3::bigint IS NULL OR a.department_id = $3)
          ORDER BY a.raised_at DESC, a.id DESC
          LIMIT $4`,
        [
          q.open === "true",
          q.minLevel,
          isDepartmentScoped(staff) ? (staff.departmentId ?? -1) : null,
          q.limit,
        ],
      );
      return rows.map((a) => ({
        id: a.id,
        kind: a.kind,
        level: a.level,
        protocol: a.protocol,
        department: a.department,
        data: a.data,
        raisedAt: a.raised_at.toISOString(),
        acknowledgedAt: a.acknowledged_at?.toISOString() ?? null,
      }));
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
      const row = await maybeOne<{ id: number }>(
        db,
        `UPDATE alarms SET acknowledged_at = coalesce(acknowledged_at, now()),
                acknowledged_by = coalesce(acknowledged_by, $2)
          WHERE id = $1 AND ($3::bigint IS NULL OR department_id = $3) RETURNING id`,
        [id, staff.id, isDepartmentScoped(staff) ? (staff.departmentId ?? -1) : null],
      );
      if (!row) throw new AppError(404, "unknown_alarm", { id });
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
    async () =>
      (
        await db.query<{
          id: number;
          stage: string | null;
          department: string | null;
          fraction: number;
          kind: string;
          level: number;
        }>(
          `SELECT r.id, r.stage, d.code AS department, r.fraction, r.kind, r.level
             FROM alarm_rules r LEFT JOIN departments d ON d.id = r.department_id
            WHERE r.active ORDER BY r.fraction, r.level, r.id`,
        )
      ).map((r) => ({ ...r, fraction: Number(r.fraction) })),
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
      let departmentId: number | null = null;
      if (input.department) {
        const dep = await maybeOne<{ id: number }>(db, "SELECT id FROM departments WHERE code = $1", [
          input.department,
        ]);
        if (!dep)
          throw new AppError(422, "unknown_department", { code: input.department }, [
            { field: "department", code: "unknown_department" },
          ]);
        departmentId = dep.id;
      }
      const row = await maybeOne<{ id: number }>(
        db,
        `INSERT INTO alarm_rules (stage, department_id, fraction, kind, level) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT DO NOTHING RETURNING id`,
        [input.stage ?? null, departmentId, input.fraction, input.kind, input.level],
      );
      if (!row) throw new AppError(409, "alarm_rule_exists");
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
      const row = await maybeOne(
        db,
        "UPDATE alarm_rules SET active = false WHERE id = $1 AND active RETURNING id",
        [id],
      );
      if (!row) throw new AppError(404, "unknown_alarm_rule", { id });
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
        409: { description: "deadline_already_extended" },
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
