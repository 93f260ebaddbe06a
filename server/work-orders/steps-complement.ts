/**
 * The step that asks the citizen for what is missing (Decreto 9.492/2018), taking a dispatched order on first: the
 * question goes to every citizen of the demand and shows on the tracking page; the department's and the demand's
 * clocks pause; the citizen's 20-day clock starts. Receiving the complement and archiving without it work on the
 * demand (complements.ts).
 */
import { COMPLEMENT_WAIT } from "../../domain/business-time-legal.ts";
import type { Actor } from "../access/principal.ts";
import type { Sql } from "../db/index.ts";
import { pauseDeadlines, startDeadline } from "../deadlines/commands.ts";
import type { Clocks } from "../deadlines/demand-clock.ts";
import { notifyCitizens, recordEvent } from "../demands/transitions.ts";
import { acceptIfDispatched, moveOrder, type OrderTarget } from "./steps.ts";

/** Asks the citizen `question`; 409 unless the order is dispatched, accepted or in progress. */
export async function requestComplementStep(
  tx: Sql,
  target: OrderTarget,
  actor: Actor,
  input: { question: string; clocks: Clocks },
): Promise<void> {
  const { order, demand } = target;
  await acceptIfDispatched(tx, target, actor);
  await moveOrder(tx, order, "waiting_citizen", { complement_question: input.question });
  const now = new Date();
  await pauseDeadlines(tx, { demandId: demand.id, stages: ["demand", "execution"] }, now);
  await tx.query("UPDATE demands SET paused_at = $2 WHERE id = $1", [demand.id, now.toISOString()]);
  await startDeadline(tx, input.clocks.cal, input.clocks.rules, {
    demandId: demand.id,
    workOrderId: order.id,
    stage: "complement",
    spec: COMPLEMENT_WAIT,
    departmentId: order.department_id,
    startedAt: now,
  });
  await recordEvent(tx, demand.id, "demand.complement_requested", actor, "public", {
    workOrderId: order.id,
    question: input.question,
  });
  await notifyCitizens(tx, demand.id, "demand.complement_requested", {
    protocol: demand.protocol,
    question: input.question,
  });
}
