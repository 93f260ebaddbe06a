/**
 * Dispatch: the step that opens a work order for a demand (by the responsibility matrix, an agent's choice, or a
 * reroute), with its acceptance and execution clocks. Triage, reopening and the HTTP commands call it inside their
 * own transactions.
 */

import { addDeadline } from "../../domain/business-time.ts";
import type { Actor } from "../access/principal.ts";
import { acceptanceSpec, findServiceTerms, type ServiceTerms, serviceSpec } from "../catalogue/terms.ts";
import { maybeOne, one, type Sql } from "../db/index.ts";
import { startDeadlines } from "../deadlines/commands.ts";
import { type Clocks, startDemandClock } from "../deadlines/demand-clock.ts";
import { type LockedDemand, moveDemand, notifyCitizens } from "../demands/transitions.ts";
import { EXTERNAL_SEND_CTE, enqueueExternalSend } from "../department-systems/queue.ts";
import { unprocessable } from "../errors.ts";
import { TRIAGE_DESK_SQL } from "../organisation/queries.ts";
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
  const acceptance = acceptanceSpec(service);
  const execution = serviceSpec(service);
  const due = addDeadline(now, execution, clocks.cal);
  // One statement: the order (with its due instant), the demand's department, out of the triage queue, the
  // demand's own clock now alarming this department, and the order's sending when the department has its own
  // Open311 system (decision 0024).
  const order = await one<WorkOrderRow & { external: boolean }>(
    tx,
    `WITH o AS (
       INSERT INTO work_orders (demand_id, department_id, created_by_kind, created_by, due_at)
       VALUES ($1, $2, $3, $4, $5) RETURNING *),
     dem AS (UPDATE demands SET department_id = $2 WHERE id = $1),
     q AS (DELETE FROM triage_queue WHERE demand_id = $1),
     clock AS (
       UPDATE deadlines SET department_id = $2
        WHERE demand_id = $1 AND stage = 'demand' AND state IN ('running', 'paused')),
     ${EXTERNAL_SEND_CTE("(SELECT id FROM o)", "$2")}
     SELECT o.*, EXISTS (SELECT 1 FROM external) AS external FROM o`,
    [
      demand.id,
      departmentId,
      actor.kind === "staff" ? "staff" : "system",
      actor.kind === "staff" ? actor.id : null,
      due.toISOString(),
    ],
  );
  const { external, ...row } = order;
  await startDeadlines(tx, clocks.cal, clocks.rules, [
    {
      demandId: demand.id,
      workOrderId: row.id,
      stage: "acceptance",
      spec: acceptance,
      departmentId,
      startedAt: now,
    },
    {
      demandId: demand.id,
      workOrderId: row.id,
      stage: "execution",
      spec: execution,
      departmentId,
      startedAt: now,
      due,
    },
  ]);
  if (external) await enqueueExternalSend(tx, row.id);
  demand.department_id = departmentId;
  return row;
}

/** The id of an active department by its code; 422 `unknown_department` otherwise. */
export async function departmentIdOf(tx: Sql, code: string): Promise<number> {
  const row = await maybeOne<{ id: number }>(tx, "SELECT id FROM departments WHERE code = $1 AND active", [
    code,
  ]);
  if (!row) throw unprocessable("unknown_department", "department", { code });
  return row.id;
}

/** What dispatch reads of the department: its code and name, and whether it is a triage desk. */
export interface DispatchDepartment {
  id: number;
  code: string;
  name: string;
  triage_desk: boolean;
}

/** The columns of `departments dep` that make a DispatchDepartment. */
export const DISPATCH_DEPARTMENT = `dep.id, dep.code, dep.name, ${TRIAGE_DESK_SQL("dep.id")} AS triage_desk`;

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
  known: { service?: ServiceTerms; department?: DispatchDepartment | null } = {},
): Promise<{ workOrderId: number; departmentId: number }> {
  const departmentId = departmentCode ? await departmentIdOf(tx, departmentCode) : demand.department_id;
  if (departmentId === null) throw unprocessable("no_department", "department");
  // What the caller already read (routing, before its transaction) is not read again.
  const service =
    known.service?.id === demand.service_id ? known.service : await findServiceTerms(tx, demand.service_id);
  if (demand.status !== "triaged") await moveDemand(tx, demand, "triaged", actor);
  await startDemandClock(tx, clocks, demand, service);
  const department =
    known.department?.id === departmentId
      ? known.department
      : await one<DispatchDepartment>(
          tx,
          `SELECT ${DISPATCH_DEPARTMENT} FROM departments dep WHERE dep.id = $1`,
          [departmentId],
        );
  await moveDemand(tx, demand, "dispatched", actor, { department: department.code });
  const order = await openWorkOrder(tx, clocks, demand, service, departmentId, actor);
  // The fallback triage desk is not the department that will do the work: the citizen's page says "em triagem na
  // Central 156", and they are told where it went when an agent sends it on (decision 0025).
  if (!department.triage_desk) {
    await notifyCitizens(tx, demand.id, "demand.dispatched", {
      protocol: demand.protocol,
      department: department.name,
    });
  }
  return { workOrderId: order.id, departmentId };
}
