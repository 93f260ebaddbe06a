/**
 * Who acts, apart from how they came in: the staff principal a session names (its role and department), and the
 * neutral actor a command runs for. Commands, steps and jobs take these; only server/http/ knows requests, tokens
 * in headers and cookies, and the permission table.
 */
import { createHash } from "node:crypto";
import { isDepartmentRole, type StaffRole } from "../../domain/staff-roles.ts";

export { STAFF_ROLES, type StaffRole } from "../../domain/staff-roles.ts";

/** A signed-in staff member. */
export interface Staff {
  id: number;
  name: string;
  email: string;
  role: StaffRole;
  departmentId: number | null;
  /** Where the request came from (req.ip) and its user agent, for the audit log; absent outside a request. */
  ip?: string | null;
  userAgent?: string | null;
}

/** Department roles see only their own department's demands. */
export function isDepartmentScoped(staff: Staff): boolean {
  return isDepartmentRole(staff.role);
}

/** SHA-256 hex of a token: what the database keeps instead of the token itself. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/**
 * Who performs a command or a workflow step: a citizen (through a channel; `citizenId` when signed in with a proven
 * contact), a staff member, a department's own system (an Open311 update), or the system itself (jobs, clocks).
 */
export type Actor =
  | { kind: "citizen"; citizenId?: number | undefined }
  | { kind: "staff"; id: number }
  | { kind: "department_system"; systemId: number }
  | { kind: "system" };

/** The timeline actor of a staff member. */
export function staffActor(staff: Staff): Actor {
  return { kind: "staff", id: staff.id };
}
