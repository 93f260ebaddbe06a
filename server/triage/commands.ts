/**
 * The triage queue, the agents' side: they take the next item atomically (SKIP LOCKED: two agents never get the
 * same one), reclassify it, dispatch it, merge it into the demand it duplicates, or cancel it. How a demand enters
 * the queue (the `route-demand` job, which dispatches or links it when no person is needed) is in routing.ts.
 */
import { QUEUE_STATUSES } from "../../domain/status.ts";
import type { Actor, Staff } from "../access/principal.ts";
import { auditActorOfStaff, recordAudit } from "../audit/record.ts";
import { type Db, maybeOne, type Sql } from "../db/index.ts";
import { stopDeadlines } from "../deadlines/commands.ts";
import { loadClocks } from "../deadlines/demand-clock.ts";
import {
  type LockedDemand,
  lockDemand,
  moveDemand,
  notifyCitizens,
  recordEvent,
} from "../demands/transitions.ts";
import { AppError, unprocessable } from "../errors.ts";
import { resolveDepartment } from "../organisation/queries.ts";
import { assertAnswerSaysSomething } from "../work-orders/non-answers.ts";
import { dispatchLocked } from "../work-orders/steps-dispatch.ts";
import { claimOf, dequeueDemand } from "./queries.ts";

/** How long an agent holds an item taken from the queue before it goes back to the others. */
export const CLAIM_MINUTES = 15;

/** What an agent gets from the queue. */
export interface TakenItem {
  id: number;
  protocol: string;
  status: string;
  description: string;
  channel: string;
  districtCode: string | null;
  claimedUntil: Date;
}

/**
 * Gives the agent the most urgent unclaimed demand of the queue, claimed for CLAIM_MINUTES; an agent who already
 * holds one gets it again. Undefined when the queue is empty.
 */
export async function takeNext(db: Db, staff: Staff): Promise<TakenItem | undefined> {
  // One statement: renew the agent's own live claim if there is one, else claim the first unclaimed demand in
  // queue order, skipping rows another agent is claiming at this instant.
  return maybeOne<TakenItem>(
    db,
    `WITH held AS (
       UPDATE triage_queue SET claimed_until = now() + make_interval(mins => $2)
        WHERE claimed_by = $1 AND claimed_until > now()
        RETURNING demand_id, claimed_until),
     fresh AS (
       UPDATE triage_queue SET claimed_by = $1, claimed_until = now() + make_interval(mins => $2)
        WHERE NOT EXISTS (SELECT 1 FROM held)
          AND demand_id = (
            SELECT demand_id FROM triage_queue
             WHERE claimed_until IS NULL OR claimed_until < now()
             ORDER BY queue_key, demand_id
             LIMIT 1
               FOR UPDATE SKIP LOCKED)
        RETURNING demand_id, claimed_until),
     taken AS (
       SELECT * FROM (SELECT * FROM held LIMIT 1) h
       UNION ALL
       SELECT * FROM fresh)
     SELECT d.id, d.protocol, d.status, d.description, d.channel, d.district_code AS "districtCode",
            t.claimed_until AS "claimedUntil"
       FROM taken t JOIN demands d ON d.id = t.demand_id`,
    [staff.id, CLAIM_MINUTES],
  );
}

/** Gives an item back to the queue. */
export async function releaseClaim(db: Db, staff: Staff, demandId: number): Promise<void> {
  const rows = await db.query(
    `UPDATE triage_queue SET claimed_by = NULL, claimed_until = NULL
      WHERE demand_id = $1 AND claimed_by = $2 RETURNING demand_id`,
    [demandId, staff.id],
  );
  if (rows.length === 0) throw new AppError(409, "not_claimed");
}

/** Refuses when another agent holds a live claim on the demand. */
async function checkClaim(tx: Sql, demandId: number, staff: Staff): Promise<void> {
  const claim = await claimOf(tx, demandId);
  if (claim && claim.claimed_by !== staff.id) throw new AppError(409, "claimed_by_another");
}

/**
 * Puts a demand in another service (while it waits in the queue or before a department took it): the matrix
 * picks the department again for the new service.
 */
export async function reclassifyDemand(
  db: Db,
  staff: Staff,
  demandId: number,
  serviceCode: string,
): Promise<void> {
  await db.transaction(async (tx) => {
    const demand = await lockDemand(tx, demandId);
    await checkClaim(tx, demand.id, staff);
    if (![...QUEUE_STATUSES, "triaged"].includes(demand.status)) {
      throw new AppError(409, "illegal_transition", { from: demand.status, to: "reclassified" });
    }
    const service = await maybeOne<{ id: number; code: string }>(
      tx,
      "SELECT id, code FROM services WHERE code = $1 AND active",
      [serviceCode],
    );
    if (!service) throw unprocessable("unknown_service", "service", { code: serviceCode });
    const from = await maybeOne<{ code: string }>(tx, "SELECT code FROM services WHERE id = $1", [
      demand.service_id,
    ]);
    const department = await resolveDepartment(tx, {
      serviceId: service.id,
      districtCode: demand.district_code,
      subprefeituraCode: demand.subprefeitura_code,
    });
    await tx.query(
      "UPDATE demands SET service_id = $2, department_id = coalesce($3, department_id) WHERE id = $1",
      [demand.id, service.id, department?.departmentId ?? null],
    );
    await recordEvent(tx, demand.id, "demand.reclassified", { kind: "staff", id: staff.id }, "public", {
      from: from?.code,
      to: service.code,
    });
    await recordAudit(tx, auditActorOfStaff(staff), {
      action: "demand.reclassified",
      entityType: "demand",
      entityId: demand.id,
      before: { service: from?.code, departmentId: demand.department_id },
      after: { service: service.code, departmentId: department?.departmentId ?? demand.department_id },
    });
  });
}

/** An agent sends a demand from the queue to a department (the matrix's, or the one named). */
export async function dispatchFromQueue(
  db: Db,
  staff: Staff,
  demandId: number,
  departmentCode?: string,
): Promise<{ workOrderId: number; departmentId: number }> {
  const clocks = await loadClocks(db);
  return db.transaction(async (tx) => {
    const demand = await lockDemand(tx, demandId);
    await checkClaim(tx, demand.id, staff);
    if (![...QUEUE_STATUSES, "triaged"].includes(demand.status)) {
      throw new AppError(409, "illegal_transition", { from: demand.status, to: "dispatched" });
    }
    const from = demand.status;
    const sent = await dispatchLocked(tx, clocks, demand, { kind: "staff", id: staff.id }, departmentCode);
    await recordAudit(tx, auditActorOfStaff(staff), {
      action: "demand.dispatched",
      entityType: "demand",
      entityId: demand.id,
      before: { status: from },
      after: { status: demand.status, ...sent },
    });
    return sent;
  });
}

/** Ends what a demand had open: its work order (cancelled) and its clocks. */
async function closeOpenWork(tx: Sql, demandId: number, reason: string): Promise<void> {
  await tx.query(
    `UPDATE work_orders SET state = 'cancelled', finished_at = now(), reason = $2
      WHERE demand_id = $1 AND state IN ('dispatched', 'accepted', 'in_progress', 'waiting_citizen')`,
    [demandId, reason],
  );
  await stopDeadlines(tx, { demandId }, "cancelled");
  await dequeueDemand(tx, demandId);
}

/**
 * The merge itself, on two locked demands: the duplicate ends as `merged`, its open work stops, and its citizens
 * (and those who followed it) become followers of the survivor, told its protocol (`demand.linked` when the system
 * linked it, `demand.merged` when an agent did).
 */
export async function mergeLocked(
  tx: Sql,
  duplicate: LockedDemand,
  survivor: LockedDemand,
  actor: Actor,
  automatic: boolean,
): Promise<void> {
  await closeOpenWork(tx, duplicate.id, "merged");
  await moveDemand(tx, duplicate, "merged", actor, { into: survivor.protocol, automatic });
  await tx.query("UPDATE demands SET merged_into_id = $2 WHERE id = $1", [duplicate.id, survivor.id]);
  // Tell the duplicate's citizens before they move over.
  await notifyCitizens(tx, duplicate.id, automatic ? "demand.linked" : "demand.merged", {
    protocol: duplicate.protocol,
    survivingProtocol: survivor.protocol,
  });
  await tx.query(
    `INSERT INTO demand_followers (demand_id, citizen_id, from_demand_id, channel)
     SELECT $2, r.citizen_id, $1, r.channel
       FROM (SELECT d.citizen_id, d.channel FROM demands d WHERE d.id = $1 AND d.citizen_id IS NOT NULL
             UNION
             SELECT f.citizen_id, f.channel FROM demand_followers f WHERE f.demand_id = $1) r
      WHERE r.citizen_id IS DISTINCT FROM $3
     ON CONFLICT DO NOTHING`,
    [duplicate.id, survivor.id, survivor.citizen_id],
  );
  await recordEvent(tx, survivor.id, "demand.duplicate_merged", actor, "internal", {
    duplicate: duplicate.protocol,
    automatic,
  });
}

/**
 * Merges a duplicate into the demand it repeats (an agent's decision): see mergeLocked. They are told the
 * surviving protocol.
 */
export async function mergeDemand(
  db: Db,
  staff: Staff,
  duplicateId: number,
  survivorId: number,
): Promise<void> {
  if (duplicateId === survivorId) throw unprocessable("merge_into_itself", "into");
  await db.transaction(async (tx) => {
    // Locked in id order, like every command that locks two demands: no deadlock between two merges.
    const [first, second] = duplicateId < survivorId ? [duplicateId, survivorId] : [survivorId, duplicateId];
    const a = await lockDemand(tx, first);
    const b = await lockDemand(tx, second);
    const duplicate = a.id === duplicateId ? a : b;
    const survivor = a.id === survivorId ? a : b;
    await checkClaim(tx, duplicate.id, staff);
    if (["cancelled", "merged"].includes(survivor.status)) {
      throw new AppError(409, "survivor_closed", { protocol: survivor.protocol });
    }
    await mergeLocked(tx, duplicate, survivor, { kind: "staff", id: staff.id }, false);
    await recordAudit(tx, auditActorOfStaff(staff), {
      action: "demand.merged",
      entityType: "demand",
      entityId: duplicate.id,
      after: { status: duplicate.status, into: survivor.id },
    });
  });
}

/** Cancels a demand with a reason (prank, out of the city's competence …); its citizens are told. */
export async function cancelDemand(db: Db, staff: Staff, demandId: number, reason: string): Promise<void> {
  // The reason reaches the citizen: no template placeholders, no "encaminhada ao setor responsável" (short is fine).
  assertAnswerSaysSomething(reason, "reason", { substantive: false });
  await db.transaction(async (tx) => {
    const demand = await lockDemand(tx, demandId);
    await checkClaim(tx, demand.id, staff);
    const actor: Actor = { kind: "staff", id: staff.id };
    const from = demand.status;
    await moveDemand(tx, demand, "cancelled", actor, { reason });
    await closeOpenWork(tx, demand.id, "cancelled");
    await notifyCitizens(tx, demand.id, "demand.cancelled", { protocol: demand.protocol, reason });
    await recordAudit(tx, auditActorOfStaff(staff), {
      action: "demand.cancelled",
      entityType: "demand",
      entityId: demand.id,
      before: { status: from },
      after: { status: demand.status },
    });
  });
}
