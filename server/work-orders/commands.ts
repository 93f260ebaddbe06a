/**
 * Work orders as staff change them: each command is one transaction that locks the order (checking a department
 * role acts on its own), runs one workflow step (steps.ts, steps-dispatch.ts) for the staff member, and records the
 * change in the audit log. complements.ts asks the citizen for what is missing and answers.ts files the
 * counter-report; a department's own system runs the same steps (department-systems/updates.ts).
 */
import { type Actor, type Staff, staffActor } from "../access/principal.ts";
import { auditActorOfStaff, recordAudit } from "../audit/record.ts";
import type { Db, Sql } from "../db/index.ts";
import { type Clocks, loadClocks } from "../deadlines/demand-clock.ts";
import { lockDemand } from "../demands/transitions.ts";
import {
  acceptStep,
  lockOrder,
  type OrderTarget,
  rerouteStep,
  returnStep,
  startStep,
  type WorkOrderRow,
} from "./steps.ts";
import { dispatchLocked } from "./steps-dispatch.ts";

/**
 * Dispatches a demand to a department: the one an agent names, else the one the demand already has from the
 * matrix (steps-dispatch.ts).
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

/**
 * Runs one step on an order for a staff member in its own transaction, and audits it as `action` with the state
 * the order had before.
 */
export async function actOnOrder<T>(
  db: Db,
  staff: Staff,
  orderId: number,
  action: string,
  step: (tx: Sql, target: OrderTarget, actor: Actor) => Promise<T>,
): Promise<T> {
  return db.transaction(async (tx) => {
    const target = await lockOrder(tx, orderId, staff);
    const from = target.order.state;
    const result = await step(tx, target, staffActor(staff));
    await auditOrder(tx, staff, action, target.order, from);
    return result;
  });
}

/** The department takes the order on: the acceptance clock is met. */
export async function acceptWorkOrder(db: Db, staff: Staff, orderId: number): Promise<void> {
  await actOnOrder(db, staff, orderId, "work_order.accepted", (tx, target, actor) =>
    acceptStep(tx, target, actor),
  );
}

/** Work has started in the field. */
export async function startWorkOrder(db: Db, staff: Staff, orderId: number): Promise<void> {
  await actOnOrder(db, staff, orderId, "work_order.started", (tx, target, actor) =>
    startStep(tx, target, actor),
  );
}

/** The department sends the order back with a reason, to the triage queue (steps.ts, returnStep). */
export async function returnWorkOrder(db: Db, staff: Staff, orderId: number, reason: string): Promise<void> {
  await actOnOrder(db, staff, orderId, "work_order.returned", (tx, target, actor) =>
    returnStep(tx, target, actor, { reason }),
  );
}

/** The department sends the order on to another department with a reason (steps.ts, rerouteStep). */
export async function rerouteWorkOrder(
  db: Db,
  staff: Staff,
  orderId: number,
  input: { department: string; reason: string },
): Promise<{ workOrderId: number }> {
  const clocks = await loadClocks(db);
  const workOrderId = await actOnOrder(db, staff, orderId, "work_order.rerouted", (tx, target, actor) =>
    rerouteStep(tx, target, actor, { ...input, clocks }),
  );
  return { workOrderId };
}
