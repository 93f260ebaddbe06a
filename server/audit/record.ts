/**
 * The audit log's one writer: every staff change calls `recordAudit` inside its own transaction, so the trail and
 * the change are committed together or not at all (docs/decisions/0024-audit-log-and-consent.md).
 */
import type { FastifyRequest } from "fastify";
import type { Sql } from "../db/index.ts";
import { type Staff, staffOf } from "../http/auth.ts";

/** Who made a change and from where: the staff member (with their name at the time), address and user agent. */
export interface AuditActor {
  staffId: number;
  staffName: string;
  /** The request's address as Fastify gives it (req.ip, after the TRUST_PROXY rule). */
  ip: string | null;
  userAgent: string | null;
}

/** One change: what was done to which entity, with the entity's fields before and after (no citizen's data). */
export interface AuditEntry {
  /** Dotted past tense: `service.updated`, `staff_user.created`, `work_order.answered`. */
  action: string;
  entityType: string;
  entityId: string | number;
  before?: unknown;
  after?: unknown;
}

/** The audit actor of a staff member loaded from a request (their address and user agent came with them). */
export function auditActorOfStaff(staff: Staff): AuditActor {
  return {
    staffId: staff.id,
    staffName: staff.name,
    ip: staff.ip ?? null,
    userAgent: staff.userAgent ?? null,
  };
}

/** The audit actor of a request that passed `authorize`: the signed-in staff member, req.ip and the user agent. */
export function auditActorOf(req: FastifyRequest): AuditActor {
  return auditActorOfStaff(staffOf(req));
}

/** Appends one entry to the audit log inside the caller's transaction. */
export async function recordAudit(tx: Sql, actor: AuditActor, entry: AuditEntry): Promise<void> {
  const json = (value: unknown) => (value === undefined || value === null ? null : JSON.stringify(value));
  await tx.query(
    `INSERT INTO audit_log (staff_id, staff_name, action, entity_type, entity_id, before, after, ip, user_agent)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9)`,
    [
      actor.staffId,
      actor.staffName,
      entry.action,
      entry.entityType,
      String(entry.entityId),
      json(entry.before),
      json(entry.after),
      actor.ip,
      actor.userAgent,
    ],
  );
}
