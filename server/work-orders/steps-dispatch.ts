/**
 * Dispatch: the step that opens a work order for a demand (by the responsibility matrix, an agent's choice, or a
 * reroute), with its acceptance and execution clocks. Triage, reopening and the HTTP commands call it inside their
 * own transactions.
 */
import type { Actor } from "../access/principal.ts";
import { acceptanceSpec, findServiceTerms, type ServiceTerms, serviceSpec } from "../catalogue/terms.ts";
import { maybeOne, one, type Sql } from "../db/index.ts";
import { startDeadline } from "../deadlines/commands.ts";
import { type Clocks, startDemandClock } from "../deadlines/demand-clock.ts";
import { type LockedDemand, moveDemand, notifyCitizens } from "../demands/transitions.ts";
import { queueExternalSend } from "../department-systems/queue.ts";
import { unprocessable } from "../errors.ts";
import { isTriageDesk } from "../organisation/queries.ts";
import { dequeueDemand } from "../triage/queries.ts";
import type { WorkOrderRow } from "./steps.ts";

/**
 * Opens a work order for `departmentId` on a locked demand (its status already moved by the caller), with the
 * acceptance and execution clocks, and makes that department the demand's responsible one.
 */
export async function openWorkOrder(
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

/** The id of an active department by its code; 422 `unknown_department` otherwise. */
export async function departmentIdOf(tx: Sql, code: string): Promise<number> {
  const row = await maybeOne<{ id: number }>(tx, "SELECT id FROM departments WHERE code = $1 AND active", [
    code,
  ]);
  if (!row) throw unprocessable("unknown_department", "department", { code });
  return row.id;
}

/**
 * Dispatches a locked demand to a department: the one an agent names, else the one the demand already has from
 * the matrix. From the queue (new, returned, reopened) it passes through triaged. The citizen is told where it went.
 */
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
