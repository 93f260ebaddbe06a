/**
 * Satisfaction: after closure the citizen rates the answer (1–5, "was your demand solved?", a comment); one
 * reminder when unanswered; and within a window the citizen may reopen a demand that was closed without being
 * solved — it goes back to the department that answered it, with a fresh clock.
 */

import type { Actor } from "../access/principal.ts";
import { type Db, maybeOne, type Sql } from "../db/index.ts";
import { loadClocks } from "../deadlines/demand-clock.ts";
import { lockDemand, moveDemand, notifyCitizens, recordEvent } from "../demands/transitions.ts";
import { AppError } from "../errors.ts";
import { dispatchLocked } from "../work-orders/steps-dispatch.ts";

/** Days after closure during which a citizen may still reopen a demand that was not solved. */
export const REOPEN_WINDOW_DAYS = 30;
/** Days after the survey was sent before its one reminder. */
export const SURVEY_REMINDER_DAYS = 3;

export interface RatingInput {
  rating: number;
  solved: boolean;
  comment?: string;
}

/**
 * Records the citizen's rating of the latest closure; 409 when the demand was not closed or it was rated already.
 */
export async function rateDemand(db: Db, demandId: number, input: RatingInput): Promise<void> {
  await db.transaction((tx) => rateDemandIn(tx, demandId, input));
}

/** As rateDemand, in the caller's transaction (a rating given in a conversation is written with its step). */
export async function rateDemandIn(tx: Sql, demandId: number, input: RatingInput): Promise<void> {
  const demand = await lockDemand(tx, demandId);
  const survey = await maybeOne<{ id: number; answered_at: Date | null }>(
    tx,
    "SELECT id, answered_at FROM satisfaction_surveys WHERE demand_id = $1 AND round = $2 FOR UPDATE",
    [demand.id, demand.reopen_count],
  );
  if (!survey) throw new AppError(409, "not_closed_yet");
  if (survey.answered_at) throw new AppError(409, "already_rated");
  await tx.query(
    `UPDATE satisfaction_surveys SET answered_at = now(), rating = $2, solved = $3, comment = $4 WHERE id = $1`,
    [survey.id, input.rating, input.solved, input.comment ?? null],
  );
  // The rating is public on the timeline; the comment stays with the staff (it may hold personal data).
  await recordEvent(tx, demand.id, "demand.rated", { kind: "citizen" }, "public", {
    rating: input.rating,
    solved: input.solved,
  });
  if (input.comment) {
    await recordEvent(tx, demand.id, "demand.rating_comment", { kind: "citizen" }, "internal", {
      comment: input.comment,
    });
  }
}

/**
 * Reopens a closed demand that was not solved: allowed to its citizen within REOPEN_WINDOW_DAYS of the closure
 * unless they rated it solved; staff (supervisors) may reopen at any time. The demand goes back to the department
 * that answered it, and its citizens are told.
 */
export async function reopenDemand(
  db: Db,
  actor: Actor,
  demandId: number,
  reason: string,
): Promise<{ workOrderId: number }> {
  const clocks = await loadClocks(db);
  return db.transaction((tx) => reopenDemandIn(tx, clocks, actor, demandId, reason));
}

/** As reopenDemand, in the caller's transaction, with the clocks read before it. */
export async function reopenDemandIn(
  tx: Sql,
  clocks: Awaited<ReturnType<typeof loadClocks>>,
  actor: Actor,
  demandId: number,
  reason: string,
): Promise<{ workOrderId: number }> {
  const demand = await lockDemand(tx, demandId);
  if (demand.status !== "closed")
    throw new AppError(409, "illegal_transition", { from: demand.status, to: "reopened" });
  if (actor.kind === "citizen") {
    const facts = await maybeOne<{ within: boolean; solved: boolean | null }>(
      tx,
      `SELECT d.closed_at > now() - make_interval(days => $2) AS within,
                (SELECT s.solved FROM satisfaction_surveys s WHERE s.demand_id = d.id AND s.round = d.reopen_count) AS solved
           FROM demands d WHERE d.id = $1`,
      [demand.id, REOPEN_WINDOW_DAYS],
    );
    if (!facts?.within) throw new AppError(409, "reopen_window_over", { days: REOPEN_WINDOW_DAYS });
    if (facts.solved === true) throw new AppError(409, "rated_solved");
  }
  await tx.query("UPDATE demands SET reopen_count = reopen_count + 1, answered_at = NULL WHERE id = $1", [
    demand.id,
  ]);
  demand.reopen_count += 1;
  // The citizen's words may hold personal data: the public event says only that it was reopened.
  await moveDemand(tx, demand, "reopened", actor);
  await recordEvent(tx, demand.id, "demand.reopen_reason", actor, "internal", { reason });
  await notifyCitizens(tx, demand.id, "demand.reopened", { protocol: demand.protocol });
  return dispatchLocked(tx, clocks, demand, { kind: "system" });
}

/**
 * Sends the one reminder of every survey unanswered after SURVEY_REMINDER_DAYS. The UPDATE marks and selects in
 * one statement, so two schedulers never remind twice. Returns how many were reminded.
 */
export async function remindSurveys(db: Db, now = new Date()): Promise<number> {
  return db.transaction(async (tx) => {
    const due = await tx.query<{ demand_id: number; protocol: string }>(
      `UPDATE satisfaction_surveys s SET reminded_at = $1
         FROM demands d
        WHERE d.id = s.demand_id AND s.answered_at IS NULL AND s.reminded_at IS NULL
          AND s.asked_at < $1::timestamptz - make_interval(days => $2)
          AND d.status = 'closed' AND d.reopen_count = s.round
       RETURNING s.demand_id, d.protocol`,
      [now.toISOString(), SURVEY_REMINDER_DAYS],
    );
    for (const row of due)
      await notifyCitizens(tx, row.demand_id, "survey.reminder", { protocol: row.protocol });
    return due.length;
  });
}
