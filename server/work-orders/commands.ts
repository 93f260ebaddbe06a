/**
 * Work orders: what a department must do for a demand. Dispatch opens one (by the responsibility matrix or an
 * agent's choice) with its acceptance and execution clocks; the department accepts it, returns it with a reason,
 * reroutes it, asks the citizen for a complement (the clocks pause), and files the counter-report whose public
 * answer goes to every citizen of the demand. Each command is one transaction with its messages and timers inside.
 */
import type { BusinessCalendar, DeadlineSpec } from "../../domain/business-time.ts";
import { COMPLEMENT_WAIT, isOmbudsmanType, OMBUDSMAN_DEADLINE } from "../../domain/business-time-legal.ts";
import { canMoveWorkOrder, isSubstantiveAnswer, type WorkOrderState } from "../../domain/status.ts";
import { auditActorOfStaff, recordAudit } from "../audit/record.ts";
import { loadCalendar } from "../calendar/queries.ts";
import { type Db, maybeOne, one, type Sql } from "../db/index.ts";
import {
  ACCEPTANCE_DEADLINE,
  type AlarmRule,
  listAlarmRules,
  pauseDeadlines,
  resumeDeadlines,
  startDeadline,
  stopDeadlines,
} from "../deadlines/commands.ts";
import type { Actor } from "../demands/commands.ts";
import {
  type LockedDemand,
  lockDemand,
  moveDemand,
  notifyCitizens,
  recordEvent,
} from "../demands/transitions.ts";
import { queueExternalSend } from "../department-systems/queue.ts";
import { AppError, unprocessable } from "../errors.ts";
import type { Staff } from "../http/auth.ts";
import { isDepartmentScoped } from "../http/auth.ts";
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
  await notifyCitizens(tx, demand.id, "demand.dispatched", {
    protocol: demand.protocol,
    department: department.name,
  });
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

function staffActor(staff: Staff): Actor {
  return { kind: "staff", id: staff.id };
}

/** Appends a staff action on a work order to the audit log: states and ids, never texts that may name a citizen. */
async function auditOrder(tx: Sql, staff: Staff, action: string, order: WorkOrderRow, from: string) {
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

/**
 * The department needs more from the citizen (Decreto 9.492/2018): the question goes to every citizen of the
 * demand and shows on the tracking page; the department's and the demand's clocks pause; the citizen's 20-day
 * clock starts. A demand with nobody to ask (anonymous, no contact) can still be answered on the tracking page.
 */
export async function requestComplement(
  db: Db,
  staff: Staff,
  orderId: number,
  question: string,
): Promise<void> {
  const clocks = await loadClocks(db);
  await db.transaction(async (tx) => {
    const { order, demand } = await lockOrder(tx, orderId, staff);
    const from = order.state;
    if (order.state === "dispatched") {
      await moveOrder(tx, order, "accepted", { accepted_at: new Date().toISOString() });
      await stopDeadlines(tx, { demandId: demand.id, workOrderId: order.id, stages: ["acceptance"] }, "met");
      await moveDemand(tx, demand, "accepted", staffActor(staff), { workOrderId: order.id });
    }
    await moveOrder(tx, order, "waiting_citizen", { complement_question: question });
    await auditOrder(tx, staff, "work_order.complement_requested", order, from);
    const now = new Date();
    await pauseDeadlines(tx, { demandId: demand.id, stages: ["demand", "execution"] }, now);
    await tx.query("UPDATE demands SET paused_at = $2 WHERE id = $1", [demand.id, now.toISOString()]);
    await startDeadline(tx, clocks.cal, clocks.rules, {
      demandId: demand.id,
      workOrderId: order.id,
      stage: "complement",
      spec: COMPLEMENT_WAIT,
      departmentId: order.department_id,
      startedAt: now,
    });
    await recordEvent(tx, demand.id, "demand.complement_requested", staffActor(staff), "public", {
      workOrderId: order.id,
      question,
    });
    await notifyCitizens(tx, demand.id, "demand.complement_requested", {
      protocol: demand.protocol,
      question,
    });
  });
}

/**
 * The complement arrived (from the citizen with the demand's secret, or typed by an agent on the phone): the
 * order is back in progress and the paused clocks run again from now with what they had left.
 */
export async function receiveComplement(db: Db, actor: Actor, demandId: number, text: string): Promise<void> {
  const clocks = await loadClocks(db);
  await db.transaction(async (tx) => {
    const demand = await lockDemand(tx, demandId);
    const order = await maybeOne<WorkOrderRow>(
      tx,
      "SELECT * FROM work_orders WHERE demand_id = $1 AND state = 'waiting_citizen' FOR UPDATE",
      [demand.id],
    );
    if (!order) throw new AppError(409, "no_complement_requested");
    await moveOrder(tx, order, "in_progress");
    const now = new Date();
    await stopDeadlines(tx, { demandId: demand.id, stages: ["complement"] }, "met");
    const due = await resumeDeadlines(
      tx,
      clocks.cal,
      { demandId: demand.id, stages: ["demand", "execution"] },
      now,
    );
    await tx.query(
      "UPDATE demands SET paused_at = NULL, due_at = coalesce($2::timestamptz, due_at) WHERE id = $1",
      [demand.id, due?.toISOString() ?? null],
    );
    const execution = await maybeOne<{ due_at: Date }>(
      tx,
      `SELECT due_at FROM deadlines
        WHERE demand_id = $1 AND work_order_id = $2 AND stage = 'execution' AND state = 'running'`,
      [demand.id, order.id],
    );
    if (execution) {
      await tx.query("UPDATE work_orders SET due_at = $2 WHERE id = $1", [
        order.id,
        execution.due_at.toISOString(),
      ]);
    }
    // That it arrived is public; what it says may hold personal data, so it stays with the staff (and the citizen
    // who wrote it), like the description.
    await recordEvent(tx, demand.id, "demand.complement_received", actor, "public", {
      workOrderId: order.id,
    });
    await recordEvent(tx, demand.id, "demand.complement_text", actor, "internal", {
      workOrderId: order.id,
      text,
    });
    if (demand.status === "accepted")
      await moveDemand(tx, demand, "in_progress", actor, { workOrderId: order.id });
  });
}

/**
 * The counter-report: the department's public answer (it must say what was done: generic closings are refused),
 * internal notes, and the evidence attached to the order. The order ends, its clocks are met, and the answer
 * goes to every citizen of the demand; the demand closes when the answer is delivered (or at once when there is
 * nobody to deliver it to: it is published on the tracking page).
 */
export async function answerWorkOrder(
  db: Db,
  staff: Staff,
  orderId: number,
  input: { answer: string; internalNote?: string; evidence?: number[] },
): Promise<{ delivered: "pending" | "published" }> {
  if (!isSubstantiveAnswer(input.answer)) {
    throw new AppError(422, "generic_answer", {}, [{ field: "answer", code: "generic_answer" }]);
  }
  return db.transaction(async (tx) => {
    const { order, demand } = await lockOrder(tx, orderId, staff);
    const from = order.state;
    if (order.state === "dispatched") {
      await moveOrder(tx, order, "accepted", { accepted_at: new Date().toISOString() });
      await moveDemand(tx, demand, "accepted", staffActor(staff), { workOrderId: order.id });
    }
    if (order.state === "waiting_citizen") throw new AppError(409, "waiting_for_complement");
    await moveOrder(tx, order, "answered", {
      answer: input.answer,
      internal_note: input.internalNote ?? null,
    });
    await auditOrder(tx, staff, "work_order.answered", order, from);
    await stopDeadlines(tx, { demandId: demand.id, workOrderId: order.id }, "met");
    if (input.evidence && input.evidence.length > 0) {
      const tied = await tx.query(
        // Evidence named by the answer is shown to the citizen with it (uploads wait as internal until then). Only
        // this order's own uploads qualify: never the citizen's photos, nor another department's evidence.
        `UPDATE attachments SET visibility = 'public'
          WHERE demand_id = $1 AND work_order_id = $2 AND id = ANY($3::bigint[]) RETURNING id`,
        [demand.id, order.id, input.evidence],
      );
      if (tied.length !== input.evidence.length) throw unprocessable("unknown_attachment", "evidence");
    }
    await tx.query("UPDATE demands SET answered_at = now() WHERE id = $1", [demand.id]);
    await moveDemand(tx, demand, "answered", staffActor(staff), {
      workOrderId: order.id,
      answer: input.answer,
    });
    if (input.internalNote) {
      await recordEvent(tx, demand.id, "work_order.note_added", staffActor(staff), "internal", {
        workOrderId: order.id,
        note: input.internalNote,
      });
    }
    const queued = await notifyCitizens(tx, demand.id, "demand.answered", {
      protocol: demand.protocol,
      answer: input.answer,
    });
    if (queued === 0) {
      // Nobody to send it to: the public timeline carries the answer, and that is its delivery.
      await closeAnsweredDemand(tx, demand, { kind: "system" }, "tracking_page");
      return { delivered: "published" as const };
    }
    return { delivered: "pending" as const };
  });
}

/**
 * Closes an answered demand once its answer reached the citizen: the demand's clock is met, and the citizen is
 * asked to rate the answer (one survey per closure). Called by the delivery of the answer message, or at once
 * when the answer was published for an anonymous demand. A demand no longer `answered` is left as it is.
 */
export async function closeAnsweredDemand(
  tx: Sql,
  demand: LockedDemand,
  actor: Actor,
  deliveredBy: string,
): Promise<boolean> {
  if (demand.status !== "answered") return false;
  await stopDeadlines(tx, { demandId: demand.id, stages: ["demand"] }, "met");
  await moveDemand(tx, demand, "closed", actor, { deliveredBy });
  const survey = await maybeOne<{ id: number }>(
    tx,
    `INSERT INTO satisfaction_surveys (demand_id, round, citizen_id, department_id, channel)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (demand_id, round) DO NOTHING RETURNING id`,
    [demand.id, demand.reopen_count, demand.citizen_id, demand.department_id, demand.channel],
  );
  if (survey) await notifyCitizens(tx, demand.id, "survey.requested", { protocol: demand.protocol });
  return true;
}

/**
 * The citizen's 20 days for a complement ran out (Decreto 9.492/2018): the order and the demand are cancelled as
 * archived, and the citizen is told. Safe to call twice: a demand no longer waiting is left as it is.
 */
export async function archiveForMissingComplement(db: Db, demandId: number): Promise<boolean> {
  return db.transaction(async (tx) => {
    const demand = await lockDemand(tx, demandId);
    const order = await maybeOne<WorkOrderRow>(
      tx,
      "SELECT * FROM work_orders WHERE demand_id = $1 AND state = 'waiting_citizen' FOR UPDATE",
      [demand.id],
    );
    if (!order) return false;
    await moveOrder(tx, order, "cancelled", { reason: "complement_not_received" });
    await stopDeadlines(tx, { demandId: demand.id }, "cancelled");
    await moveDemand(tx, demand, "cancelled", { kind: "system" }, { reason: "complement_not_received" });
    await notifyCitizens(tx, demand.id, "demand.cancelled", {
      protocol: demand.protocol,
      reason: "complement_not_received",
    });
    return true;
  });
}

/**
 * A person delivered the answer another way (an agent read it to the citizen on the phone, at a counter, by letter)
 * after the messages failed: recorded with the staff member and the means, and the demand closes.
 */
export async function recordManualDelivery(
  db: Db,
  staff: Staff,
  demandId: number,
  input: { means: string; note?: string },
): Promise<void> {
  await db.transaction(async (tx) => {
    const demand = await lockDemand(tx, demandId);
    if (demand.status !== "answered") {
      throw new AppError(409, "illegal_transition", { from: demand.status, to: "closed" });
    }
    await recordEvent(tx, demand.id, "answer.delivered", { kind: "staff", id: staff.id }, "public", {
      means: input.means,
    });
    if (input.note) {
      await recordEvent(tx, demand.id, "answer.delivery_note", { kind: "staff", id: staff.id }, "internal", {
        note: input.note,
      });
    }
    await tx.query(
      "UPDATE demands SET answer_delivered_at = coalesce(answer_delivered_at, now()) WHERE id = $1",
      [demand.id],
    );
    await closeAnsweredDemand(tx, demand, { kind: "staff", id: staff.id }, input.means);
    await recordAudit(tx, auditActorOfStaff(staff), {
      action: "demand.answer_delivered",
      entityType: "demand",
      entityId: demand.id,
      before: { status: "answered" },
      after: { status: demand.status, means: input.means },
    });
  });
}

/** Adds an answer template, for one service or every one; a department role's template is its department's. */
export async function createAnswerTemplate(
  db: Db,
  staff: Staff,
  input: { service?: string | undefined; title: string; body: string; locale: string },
): Promise<{ id: number }> {
  let serviceId: number | null = null;
  if (input.service) {
    const row = await maybeOne<{ id: number }>(db, "SELECT id FROM services WHERE code = $1", [
      input.service,
    ]);
    if (!row) throw unprocessable("unknown_service", "service", { code: input.service });
    serviceId = row.id;
  }
  return db.transaction(async (tx) => {
    const departmentId = isDepartmentScoped(staff) ? staff.departmentId : null;
    const row = await one<{ id: number }>(
      tx,
      `INSERT INTO answer_templates (service_id, department_id, title, body, locale)
       VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [serviceId, departmentId, input.title, input.body, input.locale],
    );
    await recordAudit(tx, auditActorOfStaff(staff), {
      action: "answer_template.created",
      entityType: "answer_template",
      entityId: row.id,
      after: { ...input, departmentId },
    });
    return row;
  });
}
