/**
 * Work orders: what a department must do for a demand. Dispatch opens one (by the responsibility matrix or an
 * agent's choice) with its acceptance and execution clocks; the department accepts it, returns it with a reason,
 * reroutes it; complements.ts asks the citizen for what is missing and answers.ts files the counter-report whose
 * public answer goes to every citizen of the demand. Each command is one transaction with its messages and timers.
 */
import type { BusinessCalendar, DeadlineSpec } from "../../domain/business-time.ts";
import { isOmbudsmanType, OMBUDSMAN_DEADLINE } from "../../domain/business-time-legal.ts";
import { canMoveWorkOrder, type WorkOrderState } from "../../domain/status.ts";
import { auditActorOfStaff, recordAudit } from "../audit/record.ts";
import { loadCalendar } from "../calendar/queries.ts";
import { type Db, maybeOne, one, type Sql } from "../db/index.ts";
import {
  ACCEPTANCE_DEADLINE,
  type AlarmRule,
  listAlarmRules,
  startDeadline,
  stopDeadlines,
} from "../deadlines/commands.ts";
import type { Actor } from "../demands/commands.ts";
import { type LockedDemand, lockDemand, moveDemand, notifyCitizens } from "../demands/transitions.ts";
import { queueExternalSend } from "../department-systems/queue.ts";
import { AppError, unprocessable } from "../errors.ts";
import type { Staff } from "../http/auth.ts";
import { isDepartmentScoped } from "../http/auth.ts";
import { isTriageDesk } from "../organisation/queries.ts";
import { dequeueDemand, enqueueDemand } from "../triage/queries.ts";

/** A work order row. */
export interface WorkOrderRow {
  id: number;
  demand_id: number;
  department_id: number;
  state: WorkOrderState;
  dispatched_at: Date;
  accepted_at: Date | null;
  finished_at: Date | null;
  due_at: Date | null;
  reason: string | null;
  answer: string | null;
  internal_note: string | null;
  complement_question: string | null;
}

/** What the workflow needs to know about a service. */
export interface ServiceTerms {
  id: number;
  code: string;
  demand_type: string;
  deadline_amount: number;
  deadline_unit: DeadlineSpec["unit"];
  acceptance_amount: number | null;
  acceptance_unit: DeadlineSpec["unit"] | null;
  priority: number;
  auto_dispatch: boolean;
  active: boolean;
}

export function findServiceTerms(sql: Sql, serviceId: number): Promise<ServiceTerms> {
  return one<ServiceTerms>(
    sql,
    `SELECT id, code, demand_type, deadline_amount, deadline_unit, acceptance_amount, acceptance_unit, priority,
            auto_dispatch, active
       FROM services WHERE id = $1`,
    [serviceId],
  );
}

/** A service's own deadline. */
export function serviceSpec(s: ServiceTerms): DeadlineSpec {
  return { amount: s.deadline_amount, unit: s.deadline_unit };
}

/** How long the department has to take an order of the service on: the service's own, else the city's default. */
export function acceptanceSpec(s: ServiceTerms): DeadlineSpec {
  return s.acceptance_amount !== null && s.acceptance_unit !== null
    ? { amount: s.acceptance_amount, unit: s.acceptance_unit }
    : ACCEPTANCE_DEADLINE;
}

/** What a command needs from outside its transaction: the city's calendar and the alarm rules. */
export interface Clocks {
  cal: BusinessCalendar;
  rules: AlarmRule[];
}

export async function loadClocks(db: Db): Promise<Clocks> {
  const [cal, rules] = await Promise.all([loadCalendar(db), listAlarmRules(db)]);
  return { cal, rules };
}

/**
 * Starts a demand's own clock (the service's deadline, or the ombudsman legal 30 days for complaints, reports,
 * compliments and suggestions) from its opening, unless one runs already; records the due instant on the demand.
 */
export async function startDemandClock(tx: Sql, clocks: Clocks, demand: LockedDemand, service: ServiceTerms) {
  const running = await maybeOne(
    tx,
    "SELECT id FROM deadlines WHERE demand_id = $1 AND stage = 'demand' AND state IN ('running', 'paused')",
    [demand.id],
  );
  if (running) return;
  const spec = isOmbudsmanType(service.demand_type) ? OMBUDSMAN_DEADLINE : serviceSpec(service);
  // A reopened demand gets a fresh clock from the reopening.
  const startedAt = demand.status === "reopened" ? new Date() : demand.opened_at;
  const due = await startDeadline(tx, clocks.cal, clocks.rules, {
    demandId: demand.id,
    stage: "demand",
    spec,
    departmentId: demand.department_id,
    startedAt,
  });
  await tx.query("UPDATE demands SET due_at = $2 WHERE id = $1", [demand.id, due.toISOString()]);
  demand.due_at = due;
}

/**
 * Opens a work order for `departmentId` on a locked demand (its status already moved by the caller), with the
 * acceptance and execution clocks, and makes that department the demand's responsible one.
 */
async function openWorkOrder(
  tx: Sql,
  clocks: Clocks,
  demand: LockedDemand,
  service: ServiceTerms,
  departmentId: number,
  actor: Actor,
): Promise<WorkOrderRow> {
  const now = new Date();
  const order = await one<WorkOrderRow>(
    tx,
    `INSERT INTO work_orders (demand_id, department_id, created_by_kind, created_by)
     VALUES ($1, $2, $3, $4) RETURNING *`,
    [
      demand.id,
      departmentId,
      actor.kind === "staff" ? "staff" : "system",
      actor.kind === "staff" ? actor.id : null,
    ],
  );
  await startDeadline(tx, clocks.cal, clocks.rules, {
    demandId: demand.id,
    workOrderId: order.id,
    stage: "acceptance",
    spec: acceptanceSpec(service),
    departmentId,
    startedAt: now,
  });
  const due = await startDeadline(tx, clocks.cal, clocks.rules, {
    demandId: demand.id,
    workOrderId: order.id,
    stage: "execution",
    spec: serviceSpec(service),
    departmentId,
    startedAt: now,
  });
  await tx.query("UPDATE work_orders SET due_at = $2 WHERE id = $1", [order.id, due.toISOString()]);
  await tx.query("UPDATE demands SET department_id = $2 WHERE id = $1", [demand.id, departmentId]);
  // A department with its own Open311 system gets the order there too, sent by the outbox.
  await queueExternalSend(tx, order.id, departmentId);
  await dequeueDemand(tx, demand.id);
  // The demand's own clock alarms the department now responsible.
  await tx.query(
    "UPDATE deadlines SET department_id = $2 WHERE demand_id = $1 AND stage = 'demand' AND state IN ('running', 'paused')",
    [demand.id, departmentId],
  );
  demand.department_id = departmentId;
  order.due_at = due;
  return order;
}

async function departmentIdOf(tx: Sql, code: string): Promise<number> {
  const row = await maybeOne<{ id: number }>(tx, "SELECT id FROM departments WHERE code = $1 AND active", [
    code,
  ]);
  if (!row) throw unprocessable("unknown_department", "department", { code });
  return row.id;
}

/**
 * Dispatches a demand to a department: the one an agent names, else the one the demand already has from the
 * matrix. From the queue (new, returned, reopened) it passes through triaged. The citizen is told where it went.
 */
export async function dispatchDemand(
  db: Db,
  actor: Actor,
  demandId: number,
  options: { departmentCode?: string; clocks?: Clocks } = {},
): Promise<{ workOrderId: number; departmentId: number }> {
  const clocks = options.clocks ?? (await loadClocks(db));
  return db.transaction(async (tx) => {
    const demand = await lockDemand(tx, demandId);
    return dispatchLocked(tx, clocks, demand, actor, options.departmentCode);
  });
}

/** The body of dispatchDemand, for callers that hold the demand's lock already. */
export async function dispatchLocked(
  tx: Sql,
  clocks: Clocks,
  demand: LockedDemand,
  actor: Actor,
  departmentCode?: string,
): Promise<{ workOrderId: number; departmentId: number }> {
  const departmentId = departmentCode ? await departmentIdOf(tx, departmentCode) : demand.department_id;
  if (departmentId === null) throw unprocessable("no_department", "department");
  const service = await findServiceTerms(tx, demand.service_id);
  if (demand.status !== "triaged") await moveDemand(tx, demand, "triaged", actor);
  await startDemandClock(tx, clocks, demand, service);
  const department = await one<{ code: string; name: string }>(
    tx,
    "SELECT code, name FROM departments WHERE id = $1",
    [departmentId],
  );
  await moveDemand(tx, demand, "dispatched", actor, { department: department.code });
  const order = await openWorkOrder(tx, clocks, demand, service, departmentId, actor);
  // The fallback triage desk is not the department that will do the work: the citizen's page says "em triagem na
  // Central 156", and they are told where it went when an agent sends it on (decision 0025).
  if (!(await isTriageDesk(tx, departmentId))) {
    await notifyCitizens(tx, demand.id, "demand.dispatched", {
      protocol: demand.protocol,
      department: department.name,
    });
  }
  return { workOrderId: order.id, departmentId };
}

/** Locks a work order and its demand; checks the staff member may act on it (department roles: their own). */
export async function lockOrder(
  tx: Sql,
  orderId: number,
  staff: Staff | undefined,
): Promise<{ order: WorkOrderRow; demand: LockedDemand }> {
  const head = await maybeOne<{ demand_id: number }>(tx, "SELECT demand_id FROM work_orders WHERE id = $1", [
    orderId,
  ]);
  if (!head) throw new AppError(404, "unknown_work_order", { id: orderId });
  // The demand first, then the order: every command locks in this order, so two of them never deadlock.
  const demand = await lockDemand(tx, head.demand_id);
  const order = await one<WorkOrderRow>(tx, "SELECT * FROM work_orders WHERE id = $1 FOR UPDATE", [orderId]);
  if (staff && isDepartmentScoped(staff) && staff.departmentId !== order.department_id) {
    // Another department's order is not even acknowledged to exist.
    throw new AppError(404, "unknown_work_order", { id: orderId });
  }
  return { order, demand };
}

/** Moves a locked order, or refuses with 409 naming both states. */
export async function moveOrder(
  tx: Sql,
  order: WorkOrderRow,
  to: WorkOrderState,
  set: Record<string, unknown> = {},
): Promise<void> {
  if (!canMoveWorkOrder(order.state, to)) {
    throw new AppError(409, "illegal_work_order_transition", { from: order.state, to });
  }
  const finished = ["answered", "returned", "rerouted", "cancelled"].includes(to);
  const columns = Object.keys(set);
  const assignments = columns.map((c, i) => `${c} = $${i + 4}`).join(", ");
  await tx.query(
    `UPDATE work_orders SET state = $2,
            finished_at = CASE WHEN $3::boolean THEN now() ELSE finished_at END
            ${assignments ? `, ${assignments}` : ""}
      WHERE id = $1`,
    [order.id, to, finished, ...columns.map((c) => set[c])],
  );
  order.state = to;
}

/** The timeline actor of a staff member. */
export function staffActor(staff: Staff): Actor {
  return { kind: "staff", id: staff.id };
}

/** Appends a staff action on a work order to the audit log: states and ids, never texts that may name a citizen. */
export async function auditOrder(tx: Sql, staff: Staff, action: string, order: WorkOrderRow, from: string) {
  await recordAudit(tx, auditActorOfStaff(staff), {
    action,
    entityType: "work_order",
    entityId: order.id,
    before: { state: from },
    after: { state: order.state, demandId: order.demand_id, departmentId: order.department_id },
  });
}

/** The department takes the order on: the acceptance clock is met. */
export async function acceptWorkOrder(db: Db, staff: Staff, orderId: number): Promise<void> {
  await db.transaction(async (tx) => {
    const { order, demand } = await lockOrder(tx, orderId, staff);
    const from = order.state;
    await moveOrder(tx, order, "accepted", { accepted_at: new Date().toISOString() });
    await stopDeadlines(tx, { demandId: demand.id, workOrderId: order.id, stages: ["acceptance"] }, "met");
    await moveDemand(tx, demand, "accepted", staffActor(staff), { workOrderId: order.id });
    await auditOrder(tx, staff, "work_order.accepted", order, from);
  });
}

/** Work has started in the field. */
export async function startWorkOrder(db: Db, staff: Staff, orderId: number): Promise<void> {
  await db.transaction(async (tx) => {
    const { order, demand } = await lockOrder(tx, orderId, staff);
    const from = order.state;
    if (order.state === "dispatched") {
      await moveOrder(tx, order, "accepted", { accepted_at: new Date().toISOString() });
      await stopDeadlines(tx, { demandId: demand.id, workOrderId: order.id, stages: ["acceptance"] }, "met");
      await moveDemand(tx, demand, "accepted", staffActor(staff), { workOrderId: order.id });
    }
    await moveOrder(tx, order, "in_progress");
    await moveDemand(tx, demand, "in_progress", staffActor(staff), { workOrderId: order.id });
    await auditOrder(tx, staff, "work_order.started", order, from);
  });
}

/**
 * The department sends the order back (not its competence, wrong service …) with a reason: the order ends, its
 * clocks stop, and the demand returns to the triage queue for an agent to send it on correctly.
 */
export async function returnWorkOrder(db: Db, staff: Staff, orderId: number, reason: string): Promise<void> {
  await db.transaction(async (tx) => {
    const { order, demand } = await lockOrder(tx, orderId, staff);
    const from = order.state;
    await moveOrder(tx, order, "returned", { reason });
    await stopDeadlines(tx, { demandId: demand.id, workOrderId: order.id }, "cancelled");
    await moveDemand(tx, demand, "returned", staffActor(staff), { workOrderId: order.id, reason });
    await enqueueDemand(tx, demand.id);
    await auditOrder(tx, staff, "work_order.returned", order, from);
  });
}

/**
 * The department sends the order on to another department with a reason: a new order opens there with fresh
 * clocks; the demand shows `rerouted` until the new department accepts it.
 */
export async function rerouteWorkOrder(
  db: Db,
  staff: Staff,
  orderId: number,
  input: { department: string; reason: string },
): Promise<{ workOrderId: number }> {
  const clocks = await loadClocks(db);
  return db.transaction(async (tx) => {
    const { order, demand } = await lockOrder(tx, orderId, staff);
    const target = await departmentIdOf(tx, input.department);
    if (target === order.department_id) throw unprocessable("same_department", "department");
    const from = order.state;
    await moveOrder(tx, order, "rerouted", { reason: input.reason });
    await stopDeadlines(tx, { demandId: demand.id, workOrderId: order.id }, "cancelled");
    await moveDemand(tx, demand, "rerouted", staffActor(staff), {
      workOrderId: order.id,
      department: input.department,
      reason: input.reason,
    });
    const service = await findServiceTerms(tx, demand.service_id);
    const next = await openWorkOrder(tx, clocks, demand, service, target, staffActor(staff));
    await tx.query("UPDATE work_orders SET rerouted_to_id = $2 WHERE id = $1", [order.id, next.id]);
    await auditOrder(tx, staff, "work_order.rerouted", order, from);
    return { workOrderId: next.id };
  });
}
