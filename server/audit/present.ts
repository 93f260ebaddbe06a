/** The JSON shape of audit log entries. */
import type { AuditRow } from "./queries.ts";

/** One audit entry as the search answers it. */
export function presentAuditEntry(r: AuditRow) {
  return {
    id: r.id,
    at: new Date(r.at).toISOString(),
    staff: { id: r.staff_id, name: r.staff_name },
    action: r.action,
    entityType: r.entity_type,
    entityId: r.entity_id,
    before: r.before,
    after: r.after,
    ip: r.ip,
    userAgent: r.user_agent,
  };
}
