/** The JSON shapes of work orders that leave the server. */
import { type WorkOrderState, workOrderActions } from "../../domain/status.ts";
import type { WorkOrderListRow } from "./queries.ts";

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function presentWorkOrder(row: WorkOrderListRow) {
  const state = row.state as WorkOrderState;
  return {
    id: row.id,
    protocol: row.protocol,
    state,
    department: row.department_code,
    service: row.service_code,
    dispatchedAt: row.dispatched_at.toISOString(),
    acceptedAt: iso(row.accepted_at),
    finishedAt: iso(row.finished_at),
    dueAt: iso(row.due_at),
    reason: row.reason,
    answer: row.answer,
    complementQuestion: row.complement_question,
    actions: workOrderActions(state),
  };
}
