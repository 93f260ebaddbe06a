/**
 * The counter-report step, written once for a department's staff and a department's own system: the public answer
 * (it must say what was done, non-answers.ts), an internal note, the evidence shown with it; the order ends, its
 * clocks are met, and the answer goes to every citizen of the demand. The demand closes when the answer is
 * delivered, or at once when there is nobody to deliver it to: the tracking page publishes it.
 */
import type { Actor } from "../access/principal.ts";
import type { Sql } from "../db/index.ts";
import { stopDeadlines } from "../deadlines/commands.ts";
import { type LockedDemand, moveDemand, notifyCitizens, recordEvent } from "../demands/transitions.ts";
import { AppError, unprocessable } from "../errors.ts";
import { requestSurvey } from "../satisfaction/surveys.ts";
import { assertAnswerSaysSomething } from "./non-answers.ts";
import { acceptIfDispatched, moveOrder, type OrderTarget, type Trace } from "./steps.ts";

/** A counter-report: the public answer, a note for the staff, and this order's uploads to show with the answer. */
export interface AnswerInput {
  answer: string;
  internalNote?: string | undefined;
  evidence?: number[] | undefined;
  trace?: Trace;
}

/**
 * Answers the order (taking a dispatched one on first); 409 `waiting_for_complement` while the citizen is asked,
 * 422 when the answer says nothing. `published`: nobody to send it to, so the demand closed on the tracking page.
 */
export async function answerStep(
  tx: Sql,
  target: OrderTarget,
  actor: Actor,
  input: AnswerInput,
): Promise<{ delivered: "pending" | "published" }> {
  const { order, demand } = target;
  // Placeholders left from a template, a known non-answer ("…encaminhada ao setor responsável"), a bare "Resolvido.".
  assertAnswerSaysSomething(input.answer, "answer");
  if (order.state === "waiting_citizen") throw new AppError(409, "waiting_for_complement");
  await acceptIfDispatched(tx, target, actor, input.trace);
  await moveOrder(tx, order, "answered", { answer: input.answer, internal_note: input.internalNote ?? null });
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
  await moveDemand(tx, demand, "answered", actor, {
    workOrderId: order.id,
    ...input.trace,
    answer: input.answer,
  });
  if (input.internalNote) {
    await recordEvent(tx, demand.id, "work_order.note_added", actor, "internal", {
      workOrderId: order.id,
      note: input.internalNote,
    });
  }
  const queued = await notifyCitizens(tx, demand.id, "demand.answered", {
    protocol: demand.protocol,
    answer: input.answer,
  });
  if (queued > 0) return { delivered: "pending" };
  // Nobody to send it to: the public timeline carries the answer, and that is its delivery.
  await closeAnsweredDemand(tx, demand, { kind: "system" }, "tracking_page");
  return { delivered: "published" };
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
  await requestSurvey(tx, demand);
  return true;
}
