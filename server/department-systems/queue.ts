/**
 * The hook the work-order commands call when they open an order: if the department receives its orders in its own
 * system, the order's sending is written in the caller's transaction. Kept apart from the rest of the concept so
 * the work-order commands import nothing that imports them back.
 */
import type { Sql } from "../db/index.ts";
import { enqueue } from "../jobs/enqueue.ts";
import type { JobName } from "../jobs/payloads.ts";

/** The job that sends one work order to its department's Open311 endpoint. */
export const SEND_JOB = "send-work-order-open311" satisfies JobName;

/**
 * Queues the sending of a new work order when its department has an active Open311 endpoint: one
 * `external_work_orders` row and one outbox row, both keyed by the order, so an order is sent once at most.
 * Returns whether it queued anything.
 */
export async function queueExternalSend(
  tx: Sql,
  workOrderId: number,
  departmentId: number,
): Promise<boolean> {
  const rows = await tx.query(`WITH ${EXTERNAL_SEND_CTE("$1::bigint", "$2")} SELECT 1 FROM external`, [
    workOrderId,
    departmentId,
  ]);
  if (rows.length === 0) return false;
  return enqueueExternalSend(tx, workOrderId);
}

/**
 * The `external` CTE of a statement that opens an order (`orderId` and `departmentId` are SQL expressions): the
 * order's `external_work_orders` row when its department has an active Open311 endpoint. When it returns a row,
 * the caller queues the sending with `enqueueExternalSend`.
 */
export const EXTERNAL_SEND_CTE = (orderId: string, departmentId: string) => `external AS (
       INSERT INTO external_work_orders (work_order_id, system_id)
       SELECT ${orderId}, id FROM department_systems WHERE department_id = ${departmentId} AND active AND deleted_at IS NULL
       ON CONFLICT (work_order_id) DO NOTHING RETURNING work_order_id)`;

/** Queues the sending of an order whose `external_work_orders` row was just written; false if already queued. */
export async function enqueueExternalSend(tx: Sql, workOrderId: number): Promise<boolean> {
  const id = await enqueue(tx, SEND_JOB, { workOrderId }, { dedupeKey: `open311-send:${workOrderId}` });
  return id !== null;
}
