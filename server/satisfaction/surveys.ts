/**
 * Opens the satisfaction survey of a closure: one per demand and round (a reopened demand is rated again), asked of
 * the demand's citizens on their channel. Called inside the transaction that closes the demand.
 */
import type { Sql } from "../db/index.ts";
import { maybeOne } from "../db/index.ts";
import { type LockedDemand, notifyCitizens } from "../demands/transitions.ts";

/** Opens the survey of the demand's current round and asks the citizens; false when that round has one already. */
export async function requestSurvey(tx: Sql, demand: LockedDemand): Promise<boolean> {
  const survey = await maybeOne<{ id: number }>(
    tx,
    `INSERT INTO satisfaction_surveys (demand_id, round, citizen_id, department_id, channel)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (demand_id, round) DO NOTHING RETURNING id`,
    [demand.id, demand.reopen_count, demand.citizen_id, demand.department_id, demand.channel],
  );
  if (!survey) return false;
  await notifyCitizens(tx, demand.id, "survey.requested", { protocol: demand.protocol });
  return true;
}
