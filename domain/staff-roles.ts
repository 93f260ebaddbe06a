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
  "platform_operator",
  "inspector",
] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/**
 * The install's operator, who creates, suspends and resumes tenants (server/platform/). Not a city's staff: it holds
 * none of a city's actions, lives only in the home tenant, and only the command line grants it (create-admin --role).
 */
export const PLATFORM_OPERATOR = "platform_operator" satisfies StaffRole;

/** A role a city's administration may grant: every role but the platform operator's. */
export type CityRole = Exclude<StaffRole, typeof PLATFORM_OPERATOR>;

/** The roles a city's administration grants and its screens offer, in the order they list them. */
export const CITY_ROLES: readonly CityRole[] = STAFF_ROLES.filter(
  (role): role is CityRole => role !== PLATFORM_OPERATOR,
);

/** Whether `role` (any text, as a form holds it) is one a city's administration may grant. */
export function isCityRole(role: string): role is CityRole {
  return (CITY_ROLES as readonly string[]).includes(role);
}

/** The roles that belong to one department: a user with one of them needs a department, and sees only its demands. */
export const DEPARTMENT_ROLES = ["department_staff", "focal_point"] as const satisfies readonly StaffRole[];

/** Whether `role` (any text, as a form holds it) is a department's role. */
export function isDepartmentRole(role: string): boolean {
  return (DEPARTMENT_ROLES as readonly string[]).includes(role);
}
