/**
 * Complements: the department asks the citizen for what is missing, the citizen (or an agent for them) sends it and
 * the clocks run again, or the citizen's 20 days run out and the demand is archived.
 */
import type { Actor, Staff } from "../access/principal.ts";
import { type Db, maybeOne, type Sql } from "../db/index.ts";
import { resumeDeadlines, stopDeadlines } from "../deadlines/commands.ts";
import { loadClocks } from "../deadlines/demand-clock.ts";
import { lockDemand, moveDemand, notifyCitizens, recordEvent } from "../demands/transitions.ts";
import { AppError } from "../errors.ts";
import { actOnOrder } from "./commands.ts";
import { moveOrder, type WorkOrderRow } from "./steps.ts";
import { requestComplementStep } from "./steps-complement.ts";

/**
 * The department needs more from the citizen (steps-complement.ts): the question goes to every citizen of the
 * demand; the clocks pause and the citizen's 20-day clock starts. A demand with nobody to ask (anonymous, no
 * contact) can still be answered on the tracking page.
 */
export async function requestComplement(
  db: Db,
  staff: Staff,
  orderId: number,
  question: string,
): Promise<void> {
  const clocks = await loadClocks(db);
  await actOnOrder(db, staff, orderId, "work_order.complement_requested", (tx, target, actor) =>
    requestComplementStep(tx, target, actor, { question, clocks }),
  );
}

/**
 * The complement arrived (from the citizen with the demand's secret, or typed by an agent on the phone): the
 * order is back in progress and the paused clocks run again from now with what they had left.
 */
export async function receiveComplement(db: Db, actor: Actor, demandId: number, text: string): Promise<void> {
  const clocks = await loadClocks(db);
  await db.transaction((tx) => receiveComplementIn(tx, clocks, actor, demandId, text));
}

/** As receiveComplement, in the caller's transaction (a complement written in a conversation, with its step). */
export async function receiveComplementIn(
  tx: Sql,
  clocks: Awaited<ReturnType<typeof loadClocks>>,
  actor: Actor,
  demandId: number,
  text: string,
): Promise<void> {
  const demand = await lockDemand(tx, demandId);
  const order = await maybeOne<WorkOrderRow>(
    tx,
    "SELECT * FROM work_orders WHERE demand_id = $1 AND state = 'waiting_citizen' FOR UPDATE",
    [demand.id],
  );
  if (!order) throw new AppError(409, "no_complement_requested");
  await moveOrder(tx, order, "in_progress");
  const now = new Date();
  await stopDeadlines(tx, { demandId: demand.id, stages: ["complement"] }, "met");
  const due = await resumeDeadlines(
    tx,
    clocks.cal,
    { demandId: demand.id, stages: ["demand", "execution"] },
    now,
  );
  await tx.query(
    "UPDATE demands SET paused_at = NULL, due_at = coalesce($2::timestamptz, due_at) WHERE id = $1",
    [demand.id, due?.toISOString() ?? null],
  );
  const execution = await maybeOne<{ due_at: Date }>(
    tx,
    `SELECT due_at FROM deadlines
        WHERE demand_id = $1 AND work_order_id = $2 AND stage = 'execution' AND state = 'running'`,
    [demand.id, order.id],
  );
  if (execution) {
    await tx.query("UPDATE work_orders SET due_at = $2 WHERE id = $1", [
      order.id,
      execution.due_at.toISOString(),
    ]);
  }
  // That it arrived is public; what it says may hold personal data, so it stays with the staff (and the citizen
  // who wrote it), like the description.
  await recordEvent(tx, demand.id, "demand.complement_received", actor, "public", {
    workOrderId: order.id,
  });
  await recordEvent(tx, demand.id, "demand.complement_text", actor, "internal", {
    workOrderId: order.id,
    text,
  });
  if (demand.status === "accepted")
    await moveDemand(tx, demand, "in_progress", actor, { workOrderId: order.id });
}

/**
 * The citizen's 20 days for a complement ran out (Decreto 9.492/2018): the order and the demand are cancelled as
 * archived, and the citizen is told. Safe to call twice: a demand no longer waiting is left as it is.
 */
export async function archiveForMissingComplement(db: Db, demandId: number): Promise<boolean> {
  return db.transaction(async (tx) => {
    const demand = await lockDemand(tx, demandId);
    const order = await maybeOne<WorkOrderRow>(
      tx,
      "SELECT * FROM work_orders WHERE demand_id = $1 AND state = 'waiting_citizen' FOR UPDATE",
      [demand.id],
    );
    if (!order) return false;
    await moveOrder(tx, order, "cancelled", { reason: "complement_not_received" });
    await stopDeadlines(tx, { demandId: demand.id }, "cancelled");
    await moveDemand(tx, demand, "cancelled", { kind: "system" }, { reason: "complement_not_received" });
    await notifyCitizens(tx, demand.id, "demand.cancelled", {
      protocol: demand.protocol,
      reason: "complement_not_received",
    });
    return true;
  });
}
