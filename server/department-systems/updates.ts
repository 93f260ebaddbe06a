/**
 * What a status update from a department's own system does here, whether pulled from its servicerequestupdates or
 * POSTed to us: one transaction per update, recorded once by (system, update_id), written on the order's timeline,
 * and, by its status, a work-order transition — accepted, in progress, answered (the update's description is the
 * counter-report, when it says what was done) or returned with its reason. Orders already returned, rerouted or
 * closed here are no longer synchronised; updates for ids we do not know are logged and left alone.
 */
import type { RequestUpdate } from "../../channels/open311/adapter.ts";
import { OPEN_WORK_ORDER_STATES } from "../../domain/status.ts";
import type { Actor } from "../access/principal.ts";
import { type Db, maybeOne, type Sql } from "../db/index.ts";
import { type LockedDemand, recordEvent } from "../demands/transitions.ts";
import { AppError } from "../errors.ts";
import { findAnswerProblem } from "../work-orders/non-answers.ts";
import {
  acceptIfDispatched,
  lockOrder,
  type OrderTarget,
  returnStep,
  startStep,
  type WorkOrderRow,
} from "../work-orders/steps.ts";
import { answerStep } from "../work-orders/steps-answer.ts";
import type { UpdateAction } from "./schemas.ts";

/** What became of one update. `duplicate`: that update_id was handled before, and nothing happened now. */
export type UpdateOutcome = "applied" | "noted" | "refused" | "unknown_request" | "not_synced" | "duplicate";

/**
 * The built-in meaning of the statuses GeoReport v2 servers send (the spec's open/closed and the extended statuses
 * of FixMyStreet), lower case with "_" between words. Open and reopen only note: the order is open here already.
 */
export const STATUS_ACTIONS: Readonly<Record<string, UpdateAction>> = {
  open: "note",
  reopen: "note",
  confirmed: "note",
  acknowledged: "accept",
  investigating: "accept",
  action_scheduled: "accept",
  planned: "accept",
  in_progress: "start",
  fixed: "answer",
  closed: "answer",
  no_further_action: "answer",
  not_councils_responsibility: "return",
  not_responsible: "return",
  internal_referral: "return",
  duplicate: "return",
};

/** A status as the table keys it: `NOT_COUNCILS_RESPONSIBILITY`, `not councils responsibility` → one key. */
export function statusKey(status: string): string {
  return status
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, "_");
}

/** What a status does for a system, its own table over the built-in one; unknown statuses only note. */
export function actionOf(status: string, overrides: Record<string, UpdateAction>): UpdateAction {
  const key = statusKey(status);
  for (const [k, v] of Object.entries(overrides)) if (statusKey(k) === key) return v;
  return STATUS_ACTIONS[key] ?? "note";
}

/** The system an update came from. */
export interface UpdateSource {
  id: number;
  status_actions: Record<string, UpdateAction>;
}

/**
 * Applies one update in its own transaction; safe to call again with the same update (a duplicate). An update the
 * workflow refuses (a move the demand's status no longer allows) is recorded as refused, so it never blocks the
 * updates after it.
 */
export async function applyExternalUpdate(
  db: Db,
  system: UpdateSource,
  update: RequestUpdate,
  via: "pull" | "push",
): Promise<UpdateOutcome> {
  try {
    return await applyInTransaction(db, system, update, via);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    const rows = await db.query(
      `INSERT INTO external_updates (system_id, update_id, service_request_id, status, description, updated_at,
                                     via, outcome)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'refused')
       ON CONFLICT (system_id, update_id) DO NOTHING RETURNING update_id`,
      [
        system.id,
        update.updateId,
        update.serviceRequestId,
        update.status,
        update.description,
        update.updatedAt,
        via,
      ],
    );
    return rows.length > 0 ? "refused" : "duplicate";
  }
}

async function applyInTransaction(
  db: Db,
  system: UpdateSource,
  update: RequestUpdate,
  via: "pull" | "push",
): Promise<UpdateOutcome> {
  return db.transaction(async (tx) => {
    const target = await maybeOne<{ work_order_id: number }>(
      tx,
      `SELECT work_order_id FROM external_work_orders WHERE system_id = $1 AND external_id = $2
        ORDER BY work_order_id DESC LIMIT 1`,
      [system.id, update.serviceRequestId],
    );
    if (!target) {
      // Logged for admins; seen again (a later pull, a push retried), it is looked at again: the id may be known
      // by then, once a token was resolved.
      await tx.query(
        `INSERT INTO external_updates (system_id, update_id, service_request_id, status, description, updated_at,
                                       via, outcome)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'unknown_request')
         ON CONFLICT (system_id, update_id) DO UPDATE SET received_at = now()
          WHERE external_updates.outcome = 'unknown_request'`,
        [
          system.id,
          update.updateId,
          update.serviceRequestId,
          update.status,
          update.description,
          update.updatedAt,
          via,
        ],
      );
      return "unknown_request";
    }
    // Demand first, then order, as every work-order command locks: the pull and a push of the same update wait for
    // each other here, and the second finds the update recorded.
    const { order, demand } = await lockOrder(tx, target.work_order_id, undefined);
    const fresh = await tx.query(
      `INSERT INTO external_updates (system_id, update_id, service_request_id, work_order_id, status, description,
                                     updated_at, via, outcome)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'noted')
       ON CONFLICT (system_id, update_id) DO UPDATE
         SET work_order_id = EXCLUDED.work_order_id, via = EXCLUDED.via, received_at = now()
        WHERE external_updates.outcome = 'unknown_request'
       RETURNING update_id`,
      [
        system.id,
        update.updateId,
        update.serviceRequestId,
        order.id,
        update.status,
        update.description,
        update.updatedAt,
        via,
      ],
    );
    if (fresh.length === 0) return "duplicate";
    const outcome = await applyToOrder(tx, system, update, via, order, demand);
    await tx.query("UPDATE external_updates SET outcome = $3 WHERE system_id = $1 AND update_id = $2", [
      system.id,
      update.updateId,
      outcome,
    ]);
    if (outcome !== "not_synced") {
      await tx.query("UPDATE external_work_orders SET last_status = $2 WHERE work_order_id = $1", [
        order.id,
        update.status,
      ]);
    }
    return outcome;
  });
}

async function applyToOrder(
  tx: Sql,
  system: UpdateSource,
  update: RequestUpdate,
  via: "pull" | "push",
  order: WorkOrderRow,
  demand: LockedDemand,
): Promise<Exclude<UpdateOutcome, "duplicate" | "unknown_request">> {
  // Returned, rerouted, answered or cancelled here: what their system says no longer moves anything.
  if (!OPEN_WORK_ORDER_STATES.includes(order.state)) return "not_synced";
  const action = actionOf(update.status, system.status_actions);
  const actor: Actor = { kind: "department_system", systemId: system.id };
  // What their people wrote may name persons: it stays with the staff, like the description of a demand.
  await recordEvent(tx, demand.id, "work_order.external_update_received", actor, "internal", {
    workOrderId: order.id,
    updateId: update.updateId,
    serviceRequestId: update.serviceRequestId,
    status: update.status,
    action,
    description: update.description,
    externalStatusCode: update.externalStatusCode,
    updatedAt: update.updatedAt?.toISOString() ?? null,
    via,
  });
  const target = { order, demand };
  const trace = { externalStatus: update.status };
  switch (action) {
    case "note":
      return "noted";
    case "accept":
      return (await acceptIfDispatched(tx, target, actor, trace)) ? "applied" : "noted";
    case "start":
      // Started already (or waiting for the citizen): their system repeating itself only notes.
      if (order.state !== "dispatched" && order.state !== "accepted") return "noted";
      await startStep(tx, target, actor, trace);
      return "applied";
    case "return": {
      if (order.state === "waiting_citizen") return "noted";
      await returnStep(tx, target, actor, { reason: update.description.trim() || update.status, trace });
      return "applied";
    }
    case "answer":
      return answer(tx, update, target, actor);
  }
}

/**
 * The counter-report from their system: its description is the public answer, as a department's answer here, so
 * it must say what was done; a bare "closed", a known non-answer or a template's placeholders are refused (recorded
 * for the department to answer by hand; a push is also told why, in a 422).
 */
async function answer(
  tx: Sql,
  update: RequestUpdate,
  target: OrderTarget,
  actor: Actor,
): Promise<"applied" | "refused"> {
  const { order, demand } = target;
  const trace = { externalStatus: update.status };
  // The same rule as a department's answer typed here: placeholders, known non-answers, bare closings.
  const problem = findAnswerProblem(update.description);
  if (order.state === "waiting_citizen" || problem) {
    await recordEvent(tx, demand.id, "work_order.external_answer_refused", actor, "internal", {
      workOrderId: order.id,
      ...trace,
      reason: order.state === "waiting_citizen" ? "waiting_for_complement" : problem!.code,
      ...(problem?.code === "non_answer" ? { phrase: problem.phrase } : {}),
      ...(problem?.code === "unfilled_placeholder" ? { placeholders: problem.placeholders } : {}),
    });
    return "refused";
  }
  const note = `Open311 ${update.status}${update.externalStatusCode ? ` (${update.externalStatusCode})` : ""}, update ${update.updateId}`;
  await answerStep(tx, target, actor, { answer: update.description.trim(), internalNote: note, trace });
  return "applied";
}
