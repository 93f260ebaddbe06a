/** The JSON shapes of the staff concept that leave the server. */
import type { StaffRole } from "../access/principal.ts";
import type { StaffView } from "./schemas.ts";

/** A staff_users row joined with its department code. */
export interface StaffRow {
  id: number;
  email: string;
  name: string;
  role: StaffRole;
  department_id: number | null;
  department_code: string | null;
  active: boolean;
  created_at: Date | string;
}

/** The public view of a staff account: everything but the password hash. */
export function presentStaff(row: StaffRow): StaffView {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    departmentCode: row.department_code,
    active: row.active,
    createdAt: new Date(row.created_at).toISOString(),
  };
}
