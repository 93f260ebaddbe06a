/** The JSON shapes of work orders that leave the server. */
import { type WorkOrderState, workOrderActions } from "../../domain/status.ts";
import { type Locale, pickLocalized } from "../i18n.ts";
import type { WorkOrderListRow } from "./queries.ts";

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** An order with the actions its state allows, its place and its open alarms (fields are only ever added). */
export function presentWorkOrder(row: WorkOrderListRow, locale: Locale = "pt-BR") {
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
    serviceName: pickLocalized(row.service_name, locale),
    district:
      row.district_code && row.district_name ? { code: row.district_code, name: row.district_name } : null,
    location: row.lat === null || row.lon === null ? null : { lat: Number(row.lat), lon: Number(row.lon) },
    openAlarms: Number(row.open_alarms),
    clockShare: row.clock_share === null || row.clock_share === undefined ? null : Number(row.clock_share),
  };
}
