/**
 * What people do about a duplicate besides filing again (decision 0026): staff undo a link that was wrong; a
 * signed-in citizen follows an open demand; anyone supports one (+1) without an account, once per address. Each is
 * one transaction.
 */
import { createHmac } from "node:crypto";
import type { Staff } from "../access/principal.ts";
import { auditActorOfStaff, recordAudit } from "../audit/record.ts";
import { findServiceTerms } from "../catalogue/terms.ts";
import { type Db, maybeOne, one, type Sql } from "../db/index.ts";
import { loadClocks, startDemandClock } from "../deadlines/demand-clock.ts";
import { lockDemand, moveDemand, notifyCitizens, recordEvent } from "../demands/transitions.ts";
import { AppError } from "../errors.ts";
import { currentTenant, tenantsOf } from "../tenants/current.ts";
import { enqueueDemand } from "../triage/queries.ts";

/** How many demands one address may support in 24 hours. */
export const SUPPORTS_PER_DAY = 20;

/** Statuses in which a demand can still be followed or supported: it is open. */
const CLOSED = ["closed", "cancelled", "merged"];

/**
 * Undoes a merge (automatic or by an agent): the demand leaves `merged` for the triage queue with its clock running,
 * its citizens stop following the survivor and are told, and the change is on both timelines and in the audit log.
 */
export async function unlinkDemand(db: Db, staff: Staff, demandId: number): Promise<{ survivor: string }> {
  const clocks = await loadClocks(db);
  return db.transaction(async (tx) => {
    const into = await maybeOne<{ merged_into_id: number | null }>(
      tx,
      "SELECT merged_into_id FROM demands WHERE id = $1",
      [demandId],
    );
    if (!into) throw new AppError(404, "unknown_demand", { id: demandId });
    if (into.merged_into_id === null) throw new AppError(409, "not_merged");
    // Locked in id order, like every command that locks two demands.
    const ids = [demandId, into.merged_into_id].sort((a, b) => a - b);
    const locked = [await lockDemand(tx, ids[0]!), await lockDemand(tx, ids[1]!)];
    const demand = locked.find((d) => d.id === demandId)!;
    const survivor = locked.find((d) => d.id !== demandId)!;
    const actor = { kind: "staff", id: staff.id } as const;
    await moveDemand(tx, demand, "returned", actor, { unlinkedFrom: survivor.protocol });
    await tx.query("UPDATE demands SET merged_into_id = NULL, closed_at = NULL WHERE id = $1", [demand.id]);
    await tx.query("DELETE FROM demand_followers WHERE demand_id = $1 AND from_demand_id = $2", [
      survivor.id,
      demand.id,
    ]);
    await startDemandClock(tx, clocks, demand, await findServiceTerms(tx, demand.service_id));
    await enqueueDemand(tx, demand.id);
    await recordEvent(tx, demand.id, "demand.unlinked", actor, "public", { from: survivor.protocol });
    await recordEvent(tx, survivor.id, "demand.duplicate_unlinked", actor, "internal", {
      duplicate: demand.protocol,
    });
    await notifyCitizens(tx, demand.id, "demand.unlinked", {
      protocol: demand.protocol,
      survivingProtocol: survivor.protocol,
    });
    await recordAudit(tx, auditActorOfStaff(staff), {
      action: "demand.unlinked",
      entityType: "demand",
      entityId: demand.id,
      before: { status: "merged", into: survivor.id },
      after: { status: demand.status },
    });
    return { survivor: survivor.protocol };
  });
}

/** Refuses a demand nobody may follow or support: closed, or published at district level only. */
async function followable(sql: Sql, demandId: number): Promise<{ citizen_id: number | null }> {
  const row = await one<{ status: string; district_only: boolean; citizen_id: number | null }>(
    sql,
    `SELECT d.status, d.citizen_id, (s.sensitive OR d.identity_mode = 'confidential') AS district_only
       FROM demands d JOIN services s ON s.id = d.service_id WHERE d.id = $1`,
    [demandId],
  );
  // A sensitive or confidential demand is never offered as a candidate; following it by its number is refused too.
  if (row.district_only || CLOSED.includes(row.status)) throw new AppError(409, "demand_not_open");
  return row;
}

/** A signed-in citizen follows an open demand: they hear what its citizen hears (through the public rule). */
export async function followDemand(db: Db, citizenId: number, demandId: number): Promise<void> {
  await db.transaction((tx) => followDemandIn(tx, citizenId, demandId, "web"));
}

/**
 * As followDemand, in the caller's transaction, with the channel the changes go out on (a conversation's: the
 * follower wrote from there).
 */
export async function followDemandIn(
  tx: Sql,
  citizenId: number,
  demandId: number,
  channel: string,
): Promise<void> {
  const demand = await followable(tx, demandId);
  if (demand.citizen_id !== null && Number(demand.citizen_id) === Number(citizenId)) return;
  await tx.query(
    `INSERT INTO demand_followers (demand_id, citizen_id, from_demand_id, channel)
     VALUES ($1, $2, NULL, $3) ON CONFLICT DO NOTHING`,
    [demandId, citizenId, channel],
  );
}

/** A citizen stops following a demand they chose to follow (a merged duplicate's link stays). */
export async function unfollowDemand(db: Sql, citizenId: number, demandId: number): Promise<void> {
  await db.query(
    "DELETE FROM demand_followers WHERE demand_id = $1 AND citizen_id = $2 AND from_demand_id IS NULL",
    [demandId, citizenId],
  );
}

const keys = new WeakMap<Sql, Map<number, Promise<string>>>();

/** The supporter hash of an address: keyed, so the stored value cannot be turned back into an address. */
async function supporterOf(db: Db, address: string): Promise<string> {
  const byTenant = tenantsOf(keys, db);
  let key = byTenant.get(currentTenant());
  if (!key) {
    key = one<{ key: string }>(db, "SELECT key FROM duplicate_support_key").then((r) => r.key);
    byTenant.set(currentTenant(), key);
  }
  return createHmac("sha256", await key)
    .update(address)
    .digest("hex");
}

/**
 * Supports (+1) an open demand from an address: once per address and demand (a repeat changes nothing), at most
 * SUPPORTS_PER_DAY demands per address a day (429 `support_limit`). Answers the demand's supports and whether this
 * one counted.
 */
export async function supportDemand(
  db: Db,
  demandId: number,
  address: string,
): Promise<{ supports: number; counted: boolean }> {
  const supporter = await supporterOf(db, address);
  return db.transaction(async (tx) => {
    await followable(tx, demandId);
    const recent = await one<{ n: number }>(
      tx,
      `SELECT count(*)::int AS n FROM demand_supports
        WHERE supporter = $1 AND created_at > now() - interval '1 day'`,
      [supporter],
    );
    const again = await maybeOne(
      tx,
      "SELECT 1 FROM demand_supports WHERE demand_id = $1 AND supporter = $2",
      [demandId, supporter],
    );
    if (!again && recent.n >= SUPPORTS_PER_DAY) {
      throw new AppError(429, "support_limit", { limit: SUPPORTS_PER_DAY }, [], { "retry-after": "3600" });
    }
    const inserted = await tx.query(
      "INSERT INTO demand_supports (demand_id, supporter) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1",
      [demandId, supporter],
    );
    const total = await one<{ n: number }>(
      tx,
      "SELECT count(*)::int AS n FROM demand_supports WHERE demand_id = $1",
      [demandId],
    );
    return { supports: total.n, counted: inserted.length > 0 };
  });
}
