/**
 * The status model of a demand and of a work order, written once as transition tables that the server checks on
 * every change and the screens read to offer only the legal actions. Pure: no I/O.
 *
 * A demand's life: new → triaged → dispatched → accepted → in_progress → answered → closed, with the side roads
 * returned (the department sent it back to triage), rerouted (sent on to another department), reopened (the
 * citizen said it was not solved), cancelled and merged (a duplicate of another demand).
 */

export const DEMAND_STATUSES = [
  "new",
  "triaged",
  "dispatched",
  "accepted",
  "in_progress",
  "answered",
  "closed",
  "returned",
  "rerouted",
  "reopened",
  "cancelled",
  "merged",
] as const;
export type DemandStatus = (typeof DEMAND_STATUSES)[number];

/** Where a demand may go from each status. */
export const DEMAND_TRANSITIONS: Readonly<Record<DemandStatus, readonly DemandStatus[]>> = {
  new: ["triaged", "cancelled", "merged"],
  triaged: ["dispatched", "cancelled", "merged"],
  dispatched: ["accepted", "returned", "rerouted", "cancelled", "merged"],
  accepted: ["in_progress", "answered", "returned", "rerouted", "cancelled"],
  in_progress: ["answered", "returned", "rerouted", "cancelled"],
  // Answered: the department's answer is written and on its way; closed once it reached the citizen.
  answered: ["closed", "reopened"],
  closed: ["reopened"],
  returned: ["triaged", "cancelled", "merged"],
  rerouted: ["accepted", "answered", "returned", "rerouted", "cancelled"],
  reopened: ["triaged", "dispatched", "cancelled"],
  cancelled: [],
  // Staff may undo a link (automatic or by hand) that was wrong: the demand goes back to the triage queue.
  merged: ["returned"],
};

/** Statuses that end a demand's life (a closed demand may still be reopened by its citizen, within a window). */
export const FINAL_STATUSES: readonly DemandStatus[] = ["closed", "cancelled", "merged"];

/** Statuses in which a demand waits in the triage queue for an agent. */
export const QUEUE_STATUSES: readonly DemandStatus[] = ["new", "returned", "reopened"];

/** Statuses in which a demand has an open work order at a department. */
export const AT_DEPARTMENT_STATUSES: readonly DemandStatus[] = [
  "dispatched",
  "accepted",
  "in_progress",
  "rerouted",
];

/**
 * Statuses in which a demand held by the fallback triage desk (the department of the matrix's rule for any service)
 * is still waiting to be sent on to the department that will do the work: the citizen reads "em triagem na
 * Central 156" rather than "encaminhada ao órgão" (decision 0025).
 */
export const TRIAGE_DESK_STATUSES: readonly DemandStatus[] = [
  "new",
  "triaged",
  "dispatched",
  "accepted",
  "in_progress",
];

/** The locale key of a demand's status as people read it; `atTriageDesk`: its department is the triage desk. */
export function statusLabelKey(status: string, atTriageDesk = false): string {
  const waiting = atTriageDesk && (TRIAGE_DESK_STATUSES as readonly string[]).includes(status);
  return waiting ? "status.at_triage_desk" : `status.${status}`;
}

export function canMoveDemand(from: DemandStatus, to: DemandStatus): boolean {
  return DEMAND_TRANSITIONS[from].includes(to);
}

export const WORK_ORDER_STATES = [
  "dispatched",
  "accepted",
  "in_progress",
  "waiting_citizen",
  "answered",
  "returned",
  "rerouted",
  "cancelled",
] as const;
export type WorkOrderState = (typeof WORK_ORDER_STATES)[number];

/** Where a work order may go from each state. */
export const WORK_ORDER_TRANSITIONS: Readonly<Record<WorkOrderState, readonly WorkOrderState[]>> = {
  dispatched: ["accepted", "returned", "rerouted", "cancelled"],
  accepted: ["in_progress", "waiting_citizen", "answered", "returned", "rerouted", "cancelled"],
  in_progress: ["waiting_citizen", "answered", "returned", "rerouted", "cancelled"],
  // The department asked the citizen for a complement: the clock is paused until it arrives.
  waiting_citizen: ["in_progress", "cancelled"],
  answered: [],
  returned: [],
  rerouted: [],
  cancelled: [],
};

/** States in which a work order is still the department's to act on. */
export const OPEN_WORK_ORDER_STATES: readonly WorkOrderState[] = [
  "dispatched",
  "accepted",
  "in_progress",
  "waiting_citizen",
];

export function canMoveWorkOrder(from: WorkOrderState, to: WorkOrderState): boolean {
  return WORK_ORDER_TRANSITIONS[from].includes(to);
}

/** The actions a department user may take on an order in each state, for screens that show only legal buttons. */
export function workOrderActions(state: WorkOrderState): WorkOrderAction[] {
  const actions: WorkOrderAction[] = [];
  const next = WORK_ORDER_TRANSITIONS[state];
  if (next.includes("accepted")) actions.push("accept");
  if (next.includes("in_progress") && state !== "waiting_citizen") actions.push("start");
  if (next.includes("returned")) actions.push("return");
  if (next.includes("rerouted")) actions.push("reroute");
  if (next.includes("waiting_citizen")) actions.push("request_complement");
  if (next.includes("answered")) actions.push("answer");
  return actions;
}

export type WorkOrderAction = "accept" | "start" | "return" | "reroute" | "request_complement" | "answer";

/**
 * An answer must say what was done: generic closings ("Resolvido.", "Solicitação atendida", "ok") are refused.
 * True when the text has at least 30 letters and five different words of three or more letters, in any language.
 */
export function isSubstantiveAnswer(text: string): boolean {
  const plain = text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9 ]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  if (plain.replace(/ /g, "").length < 30) return false;
  const words = new Set(plain.split(" ").filter((w) => w.length >= 3));
  return words.size >= 5;
}
