/**
 * The staff roles, one list for the server (the permission table, the zod enums of staff routes) and the screens
 * (the administration's role pickers). Pure: no I/O.
 */

/** Every staff role, in the order the screens list them. */
export const STAFF_ROLES = [
  "agent",
  "department_staff",
  "focal_point",
  "supervisor",
  "manager",
  "admin",
  "ombudsman",
] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** The roles that belong to one department: a user with one of them needs a department, and sees only its demands. */
export const DEPARTMENT_ROLES = ["department_staff", "focal_point"] as const satisfies readonly StaffRole[];

/** Whether `role` (any text, as a form holds it) is a department's role. */
export function isDepartmentRole(role: string): boolean {
  return (DEPARTMENT_ROLES as readonly string[]).includes(role);
}
