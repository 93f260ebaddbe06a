/**
 * Answers to citizens: the counter-report a department's staff files, an answer delivered by hand after the
 * messages failed, and the templates departments write answers from.
 */
import { isDepartmentScoped, type Staff, staffActor } from "../access/principal.ts";
import { auditActorOfStaff, recordAudit } from "../audit/record.ts";
import { type Db, maybeOne, one } from "../db/index.ts";
import { lockDemand, recordEvent } from "../demands/transitions.ts";
import { AppError, unprocessable } from "../errors.ts";
import { actOnOrder } from "./commands.ts";
import { answerStep, closeAnsweredDemand } from "./steps-answer.ts";

/**
 * The counter-report a department's staff files (steps-answer.ts, answerStep): the answer goes to every citizen of
 * the demand, and the demand closes when it is delivered (or at once when it is published on the tracking page).
 */
export async function answerWorkOrder(
  db: Db,
  staff: Staff,
  orderId: number,
  input: { answer: string; internalNote?: string; evidence?: number[] },
): Promise<{ delivered: "pending" | "published" }> {
  return actOnOrder(db, staff, orderId, "work_order.answered", (tx, target, actor) =>
    answerStep(tx, target, actor, input),
  );
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
    await recordEvent(tx, demand.id, "answer.delivered", staffActor(staff), "public", {
      means: input.means,
    });
    if (input.note) {
      await recordEvent(tx, demand.id, "answer.delivery_note", staffActor(staff), "internal", {
        note: input.note,
      });
    }
    await tx.query(
      "UPDATE demands SET answer_delivered_at = coalesce(answer_delivered_at, now()) WHERE id = $1",
      [demand.id],
    );
    await closeAnsweredDemand(tx, demand, staffActor(staff), input.means);
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
