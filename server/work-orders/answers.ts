import { auditActorOfStaff, recordAudit } from "../audit/record.ts";
import { type Db, maybeOne, one, type Sql } from "../db/index.ts";
import { stopDeadlines } from "../deadlines/commands.ts";
import type { Actor } from "../demands/commands.ts";
import {
  type LockedDemand,
  lockDemand,
  moveDemand,
  notifyCitizens,
  recordEvent,
} from "../demands/transitions.ts";
import { AppError, unprocessable } from "../errors.ts";
import type { Staff } from "../http/auth.ts";
import { isDepartmentScoped } from "../http/auth.ts";

import { auditOrder, lockOrder, moveOrder, staffActor } from "./commands.ts";
import { assertAnswerSaysSomething } from "./non-answers.ts";

/**
 * The counter-report: the department's public answer (it must say what was done: generic closings, known
 * non-answers and unfilled template placeholders are refused, non-answers.ts),
 * internal notes, and the evidence attached to the order. The order ends, its clocks are met, and the answer
 * goes to every citizen of the demand; the demand closes when the answer is delivered (or at once when there is
 * nobody to deliver it to: it is published on the tracking page).
 */
export async function answerWorkOrder(
  db: Db,
  staff: Staff,
  orderId: number,
  input: { answer: string; internalNote?: string; evidence?: number[] },
): Promise<{ delivered: "pending" | "published" }> {
  // Placeholders left from a template, a known non-answer ("…encaminhada ao setor responsável"), a bare "Resolvido.".
  assertAnswerSaysSomething(input.answer, "answer");
  return db.transaction(async (tx) => {
    const { order, demand } = await lockOrder(tx, orderId, staff);
    const from = order.state;
    if (order.state === "dispatched") {
      await moveOrder(tx, order, "accepted", { accepted_at: new Date().toISOString() });
      await moveDemand(tx, demand, "accepted", staffActor(staff), { workOrderId: order.id });
    }
    if (order.state === "waiting_citizen") throw new AppError(409, "waiting_for_complement");
    await moveOrder(tx, order, "answered", {
      answer: input.answer,
      internal_note: input.internalNote ?? null,
    });
    await auditOrder(tx, staff, "work_order.answered", order, from);
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
    await moveDemand(tx, demand, "answered", staffActor(staff), {
      workOrderId: order.id,
      answer: input.answer,
    });
    if (input.internalNote) {
      await recordEvent(tx, demand.id, "work_order.note_added", staffActor(staff), "internal", {
        workOrderId: order.id,
        note: input.internalNote,
      });
    }
    const queued = await notifyCitizens(tx, demand.id, "demand.answered", {
      protocol: demand.protocol,
      answer: input.answer,
    });
    if (queued === 0) {
      // Nobody to send it to: the public timeline carries the answer, and that is its delivery.
      await closeAnsweredDemand(tx, demand, { kind: "system" }, "tracking_page");
      return { delivered: "published" as const };
    }
    return { delivered: "pending" as const };
  });
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
  const survey = await maybeOne<{ id: number }>(
    tx,
    `INSERT INTO satisfaction_surveys (demand_id, round, citizen_id, department_id, channel)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (demand_id, round) DO NOTHING RETURNING id`,
    [demand.id, demand.reopen_count, demand.citizen_id, demand.department_id, demand.channel],
  );
  if (survey) await notifyCitizens(tx, demand.id, "survey.requested", { protocol: demand.protocol });
  return true;
}

/**
 * A person delivered the answer another way (an agent read it to the citizen on the phone, at a counter, by letter)
 * after the messages failed: recorded with the staff member and the means, and the demand closes.
 */
export async function recordManualDelivery(
  db: Db,
  staff: Staff,
  demandId: number,
  input: { means: string; note?: string },
): Promise<void> {
  await db.transaction(async (tx) => {
    const demand = await lockDemand(tx, demandId);
    if (demand.status !== "answered") {
      throw new AppError(409, "illegal_transition", { from: demand.status, to: "closed" });
    }
    await recordEvent(tx, demand.id, "answer.delivered", { kind: "staff", id: staff.id }, "public", {
      means: input.means,
    });
    if (input.note) {
      await recordEvent(tx, demand.id, "answer.delivery_note", { kind: "staff", id: staff.id }, "internal", {
        note: input.note,
      });
    }
    await tx.query(
      "UPDATE demands SET answer_delivered_at = coalesce(answer_delivered_at, now()) WHERE id = $1",
      [demand.id],
    );
    await closeAnsweredDemand(tx, demand, { kind: "staff", id: staff.id }, input.means);
    await recordAudit(tx, auditActorOfStaff(staff), {
      action: "demand.answer_delivered",
      entityType: "demand",
      entityId: demand.id,
      before: { status: "answered" },
      after: { status: demand.status, means: input.means },
    });
  });
}

/** Adds an answer template, for one service or every one; a department role's template is its department's. */
export async function createAnswerTemplate(
  db: Db,
  staff: Staff,
  input: { service?: string | undefined; title: string; body: string; locale: string },
): Promise<{ id: number }> {
  let serviceId: number | null = null;
  if (input.service) {
    const row = await maybeOne<{ id: number }>(db, "SELECT id FROM services WHERE code = $1", [
      input.service,
    ]);
    if (!row) throw unprocessable("unknown_service", "service", { code: input.service });
    serviceId = row.id;
  }
  return db.transaction(async (tx) => {
    const departmentId = isDepartmentScoped(staff) ? staff.departmentId : null;
    const row = await one<{ id: number }>(
      tx,
      `INSERT INTO answer_templates (service_id, department_id, title, body, locale)
       VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [serviceId, departmentId, input.title, input.body, input.locale],
    );
    await recordAudit(tx, auditActorOfStaff(staff), {
      action: "answer_template.created",
      entityType: "answer_template",
      entityId: row.id,
      after: { ...input, departmentId },
    });
    return row;
  });
}
