/**
 * Routing, the `route-demand` job written at intake: it starts the demand's clock, scores its priority, and either
 * dispatches it straight to the department the matrix names or leaves it in the queue for an agent: when the
 * service asks for triage, when no department is known, or when a possible duplicate is near. A strong duplicate
 * (decision 0026: a request close by, recent, unanswered) is linked to the open demand it repeats instead, and its
 * citizen follows that one. Apart from the agents' commands (commands.ts) because no person is in it and it reads
 * before its transaction (decision 0043); the merge itself is shared with them (mergeLocked).
 */

import type { Candidate } from "../../domain/classification/ranking.ts";
import { findServiceTerms, SERVICE_TERMS, type ServiceTerms } from "../catalogue/terms.ts";
import { classifyDemand } from "../classification/queries.ts";
import { type Db, maybeOne, type Sql } from "../db/index.ts";
import { type Clocks, loadClocks, startDemandClock } from "../deadlines/demand-clock.ts";
import { LOCKED_COLUMNS, type LockedDemand, lockDemand, recordEvent } from "../demands/transitions.ts";
import { isSameStreet, judgeDuplicate } from "../duplicates/rule.ts";
import { AppError } from "../errors.ts";
import {
  DISPATCH_DEPARTMENT,
  type DispatchDepartment,
  dispatchLocked,
} from "../work-orders/steps-dispatch.ts";
import { mergeLocked } from "./commands.ts";
import { type DuplicateCandidate, enqueueDemand, findDuplicates } from "./queries.ts";

/** The parts of the static triage score; age and deadline left are added when the queue is read (queries.ts). */
export function triageScore(input: { priority: number; vulnerable: boolean; repeats: number }): number {
  // Service priority 1 (most urgent) … 5: 50 … 10 points.
  const priority = (6 - input.priority) * 10;
  return priority + (input.vulnerable ? 30 : 0) + Math.min(input.repeats, 5) * 5;
}

/**
 * Routes a new demand (the `route-demand` job): idempotent, so a job run twice after a crash does nothing new.
 * Returns what happened.
 */
export async function routeDemand(
  db: Db,
  demandId: number,
  clocks?: Clocks,
  finish?: (tx: Sql) => Promise<void>,
): Promise<"dispatched" | "queued" | "linked" | "skipped"> {
  // What routing reads but need not hold locked, read before the transaction: one statement, and the suggester and
  // the calendar from this process's caches (a transaction would read the catalogue's version each time).
  const facts = await maybeOne<RoutingFacts>(db, ROUTING_FACTS, [demandId]);
  if (!facts) throw new AppError(404, "unknown_demand", { id: demandId });
  const c = clocks ?? (await loadClocks(db));
  const routable = facts.status === "new" && !facts.queued;
  const suggestions = routable
    ? await classifyDemand(
        db,
        {
          text: facts.description ?? "",
          channel: facts.channel,
          districtCode: facts.district_code,
          subprefeituraCode: facts.subprefeitura_code,
        },
        3,
      )
    : [];
  return db.transaction(async (tx) => {
    const outcome = routable ? await routeLocked(tx, c, demandId, facts, suggestions) : "skipped";
    // The job's outbox row ends in this same commit (decision 0041).
    await finish?.(tx);
    return outcome;
  });
}

/** What routing reads of a demand before its transaction. */
interface RoutingFacts {
  status: string;
  queued: boolean;
  description: string | null;
  channel: string;
  district_code: string | null;
  subprefeitura_code: string | null;
  vulnerable: boolean;
  repeats: number;
  service: ServiceTerms;
  department: DispatchDepartment | null;
}

const ROUTING_FACTS = `
  SELECT d.status, d.description, d.channel, d.district_code, d.subprefeitura_code,
         EXISTS (SELECT 1 FROM triage_queue q WHERE q.demand_id = d.id) AS queued,
         coalesce((SELECT c.vulnerable FROM citizens c WHERE c.id = d.citizen_id), false) AS vulnerable,
         (SELECT count(*)::int FROM demands o
           WHERE d.location IS NOT NULL AND o.service_id = d.service_id AND o.id <> d.id
             AND o.opened_at > d.opened_at - interval '30 days'
             AND o.status NOT IN ('cancelled', 'merged')
             AND ST_DWithin(o.location::geography, d.location::geography, 50)
             AND o.location && ST_Expand(d.location, 0.001)) AS repeats,
         (SELECT row_to_json(t) FROM (SELECT ${SERVICE_TERMS} FROM services WHERE id = d.service_id) t) AS service,
         (SELECT row_to_json(t) FROM (SELECT ${DISPATCH_DEPARTMENT} FROM departments dep WHERE dep.id = d.department_id) t)
           AS department
    FROM demands d WHERE d.id = $1`;

/** The routing itself, in the transaction that holds the demand's lock. */
async function routeLocked(
  tx: Sql,
  c: Clocks,
  demandId: number,
  facts: RoutingFacts,
  suggestions: Candidate[],
): Promise<"dispatched" | "queued" | "linked" | "skipped"> {
  const score = triageScore({
    priority: facts.service.priority,
    vulnerable: facts.vulnerable,
    repeats: facts.repeats,
  });
  // The lock, the check that it is still new and not queued (a job run again after a crash), and the score: one
  // statement.
  const demand = await maybeOne<LockedDemand>(
    tx,
    `UPDATE demands SET triage_score = $2
      WHERE id = $1 AND status = 'new' AND NOT EXISTS (SELECT 1 FROM triage_queue WHERE demand_id = $1)
      RETURNING ${LOCKED_COLUMNS}`,
    [demandId, score],
  );
  if (!demand) return "skipped";
  const service =
    demand.service_id === facts.service.id ? facts.service : await findServiceTerms(tx, demand.service_id);
  const duplicates = await findDuplicates(tx, { demandId: demand.id });
  // The managers' criteria and the text suggester read the citizen's own words: a rule that points elsewhere
  // than the service chosen sends the demand to an agent, with the proposal.
  const ruled = suggestions.find((c) => c.reasons.some((r) => r.kind === "rule"));
  const reasons: string[] = [];
  if (!service.auto_dispatch) reasons.push("service_requires_triage");
  if (demand.department_id === null) reasons.push("no_department");
  if (duplicates.length > 0) reasons.push("possible_duplicate");
  if (ruled && ruled.code !== service.code) reasons.push("classification_differs");
  if (reasons.length === 0) {
    await dispatchLocked(tx, c, demand, { kind: "system" }, undefined, {
      service,
      department: facts.department,
    });
    return "dispatched";
  }
  // A strong duplicate is linked without a person, unless something else also asks for one (a service that wants
  // triage, a rule pointing at another service); the department is the survivor's concern, so no_department is not.
  const onlyDuplicate = reasons.every((r) => r === "possible_duplicate" || r === "no_department");
  if (onlyDuplicate && (await linkStrongDuplicate(tx, demand, service.demand_type, duplicates)))
    return "linked";
  await startDemandClock(tx, c, demand, service);
  await enqueueDemand(tx, demand.id);
  await recordEvent(tx, demand.id, "demand.queued", { kind: "system" }, "internal", {
    reasons,
    score,
    duplicates: duplicates.map((d) => d.protocol),
    suggestions: suggestions.map((c) => ({ code: c.code, score: c.score })),
  });
  return "queued";
}

/**
 * Links a new demand to the first candidate the rule calls a strong duplicate (nearest first), both locked: the
 * demand ends `merged` by the system and its citizen follows the survivor. False when none is strong, or the one
 * found closed meanwhile. The survivor is locked after the new demand (a higher id): against a merge locking in
 * id order this may deadlock, which PostgreSQL breaks and the route-demand job retries.
 */
async function linkStrongDuplicate(
  tx: Sql,
  demand: LockedDemand,
  demandType: string,
  candidates: DuplicateCandidate[],
): Promise<boolean> {
  const strong = candidates.find(
    (d) =>
      judgeDuplicate({
        distanceM: d.distance_m,
        sameBlock: d.same_block,
        sameStreet: isSameStreet(d.origin_address, d.address),
        ageHours: d.age_hours,
        demandType,
        candidateAnswered: d.answered,
      }) === "link",
  );
  if (!strong) return false;
  const survivor = await lockDemand(tx, strong.id);
  if (["closed", "cancelled", "merged", "answered"].includes(survivor.status)) return false;
  await mergeLocked(tx, demand, survivor, { kind: "system" }, true);
  return true;
}
