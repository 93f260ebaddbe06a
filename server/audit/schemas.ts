/** Input and output schemas of the audit log search; they also feed the OpenAPI document. */
import { z } from "zod";
import { pageFields } from "../http/pagination.ts";

/** The query of GET /api/v1/audit-log: every filter optional, newest first, keyset pages. */
export const AuditLogQuery = z.object({
  /** Only changes by this staff member (their id). */
  staffId: z.coerce.number().int().positive().optional(),
  /** Only changes to this kind of entity: service, department, staff_user, demand, work_order … */
  entityType: z.string().trim().min(1).max(64).optional(),
  /** Only changes to this entity (its id or code, with entityType). */
  entityId: z.string().trim().min(1).max(200).optional(),
  /** Only this action: service.updated, staff_user.created … */
  action: z.string().trim().min(1).max(100).optional(),
  /** Changes at or after this instant (ISO 8601). */
  from: z.iso.datetime({ offset: true }).optional(),
  /** Changes before this instant (ISO 8601). */
  to: z.iso.datetime({ offset: true }).optional(),
  ...pageFields(50, 200),
});
export type AuditLogQuery = z.infer<typeof AuditLogQuery>;

/** One audit log entry as supervisors and the ombudsman see it. */
export const AuditEntryView = z.object({
  id: z.number(),
  at: z.string(),
  staff: z.object({ id: z.number(), name: z.string() }),
  action: z.string(),
  entityType: z.string(),
  entityId: z.string(),
  before: z.unknown(),
  after: z.unknown(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
});

/**
 * A page of the audit log; `next` is the cursor of the following page (also in the Link header, as on every
 * list), null on the last one.
 */
export const AuditLogPage = z.object({ entries: AuditEntryView.array(), next: z.string().nullable() });
