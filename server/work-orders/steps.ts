/**
 * The work-order workflow, written once. Each step is one action on a locked order and its demand, run inside the
 * caller's transaction for a neutral actor: the HTTP commands (commands.ts, answers.ts, complements.ts) and the
 * updates from a department's own system (department-systems/updates.ts) call the same steps, so "accept if
 * dispatched", which clocks stop, and what the timeline records cannot drift apart. A step checks the workflow's
 * rules (illegal moves answer 409); who may act, the audit log and what to do with a refusal stay with the caller.
 */
import { canMoveWorkOrder, type WorkOrderState } from "../../domain/status.ts";
import type { Actor } from "../access/principal.ts";
import { isDepartmentScoped, type Staff } from "../access/principal.ts";
import { findServiceTerms } from "../catalogue/terms.ts";
import { maybeOne, one, type Sql } from "../db/index.ts";
import { stopDeadlines } from "../deadlines/commands.ts";
import type { Clocks } from "../deadlines/demand-clock.ts";
import { type LockedDemand, lockDemand, moveDemand } from "../demands/transitions.ts";
import { AppError, unprocessable } from "../errors.ts";
import { enqueueDemand } from "../triage/queries.ts";
import { departmentIdOf, openWorkOrder } from "./steps-dispatch.ts";

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

/** What every step acts on: an order and its demand, both locked by the caller's transaction. */
export interface OrderTarget {
  order: WorkOrderRow;
  demand: LockedDemand;
}

/**
 * What the timeline events of a step record besides the order's id: e.g. the status a department's system sent.
 * Never a text that may name a citizen.
 */
export type Trace = Record<string, unknown>;

/**
 * Locks a work order and its demand; with a staff member, checks they may act on it (department roles: their
 * own). Without one (a department's system, a job) the caller has found the order itself.
 */
export async function lockOrder(tx: Sql, orderId: number, staff: Staff | undefined): Promise<OrderTarget> {
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

/**
 * Accepts the order if it is still dispatched: the acceptance clock is met and the demand shows accepted. Starting,
 * answering or asking for a complement of a dispatched order takes it on implicitly through here. False when it
 * was accepted already.
 */
export async function acceptIfDispatched(
  tx: Sql,
  { order, demand }: OrderTarget,
  actor: Actor,
  trace: Trace = {},
): Promise<boolean> {
  if (order.state !== "dispatched") return false;
  await moveOrder(tx, order, "accepted", { accepted_at: new Date().toISOString() });
  await stopDeadlines(tx, { demandId: demand.id, workOrderId: order.id, stages: ["acceptance"] }, "met");
  await moveDemand(tx, demand, "accepted", actor, { workOrderId: order.id, ...trace });
  return true;
}

/** The department takes the order on; 409 unless it is dispatched. */
export async function acceptStep(
  tx: Sql,
  target: OrderTarget,
  actor: Actor,
  trace: Trace = {},
): Promise<void> {
  if (!(await acceptIfDispatched(tx, target, actor, trace))) {
    throw new AppError(409, "illegal_work_order_transition", { from: target.order.state, to: "accepted" });
  }
}

/** Work has started in the field (taking a dispatched order on first); 409 from any other state. */
export async function startStep(
  tx: Sql,
  target: OrderTarget,
  actor: Actor,
  trace: Trace = {},
): Promise<void> {
  const { order, demand } = target;
  await acceptIfDispatched(tx, target, actor, trace);
  await moveOrder(tx, order, "in_progress");
  await moveDemand(tx, demand, "in_progress", actor, { workOrderId: order.id, ...trace });
}

/**
 * The department sends the order back (not its competence, wrong service …) with a reason: the order ends, its
 * clocks stop, and the demand returns to the triage queue for an agent to send it on correctly.
 */
export async function returnStep(
  tx: Sql,
  { order, demand }: OrderTarget,
  actor: Actor,
  input: { reason: string; trace?: Trace },
): Promise<void> {
  await moveOrder(tx, order, "returned", { reason: input.reason });
  await stopDeadlines(tx, { demandId: demand.id, workOrderId: order.id }, "cancelled");
  await moveDemand(tx, demand, "returned", actor, {
    workOrderId: order.id,
    ...input.trace,
    reason: input.reason,
  });
  await enqueueDemand(tx, demand.id);
}

/**
 * The department sends the order on to another department with a reason: a new order opens there with fresh
 * clocks; the demand shows `rerouted` until the new department accepts it. Answers the new order's id.
 */
export async function rerouteStep(
  tx: Sql,
  { order, demand }: OrderTarget,
  actor: Actor,
  input: { department: string; reason: string; clocks: Clocks },
): Promise<number> {
  const target = await departmentIdOf(tx, input.department);
  if (target === order.department_id) throw unprocessable("same_department", "department");
  await moveOrder(tx, order, "rerouted", { reason: input.reason });
  await stopDeadlines(tx, { demandId: demand.id, workOrderId: order.id }, "cancelled");
  await moveDemand(tx, demand, "rerouted", actor, {
    workOrderId: order.id,
    department: input.department,
    reason: input.reason,
  });
  const service = await findServiceTerms(tx, demand.service_id);
  const next = await openWorkOrder(tx, input.clocks, demand, service, target, actor);
  await tx.query("UPDATE work_orders SET rerouted_to_id = $2 WHERE id = $1", [order.id, next.id]);
  return next.id;
}
