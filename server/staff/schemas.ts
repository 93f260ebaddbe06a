/** Input schemas of the staff concept; they also feed the OpenAPI document. */
import { z } from "zod";
import { ACTIONS, STAFF_ROLES } from "../http/auth.ts";
import { pageFields } from "../http/pagination.ts";
import { MIN_PASSWORD_LENGTH } from "./passwords.ts";

/**
 * The query of GET /api/v1/staff. The default page holds a whole city's staff, as the users screen reads only
 * the first page.
 */
export const StaffListQuery = z.object({ ...pageFields(500, 1000) });
export type StaffListQuery = z.infer<typeof StaffListQuery>;

/** The body of POST /api/v1/auth/login. */
export const LoginInput = z.object({
  /** The staff member's e-mail address (any case). */
  email: z.string().trim().min(3).max(254),
  /** The password, as typed. */
  password: z.string().min(1).max(1024),
});
export type LoginInput = z.infer<typeof LoginInput>;

/** The query of GET /api/v1/auth/oidc/start: the staff app to land on once signed in. */
export const ProviderStartQuery = z.object({
  /** console, backoffice (/departamento), admin or centre; the console when absent. */
  app: z.enum(["console", "backoffice", "admin", "centre", "campo"]).default("console"),
});
export type ProviderStartQuery = z.infer<typeof ProviderStartQuery>;

/** The body of POST /api/v1/staff: a new staff account. */
export const StaffInput = z.object({
  /** Sign-in e-mail; stored lower case, unique. */
  email: z.email().max(254),
  /** Full name shown in the console and on timeline events. */
  name: z.string().trim().min(1).max(200),
  /** Initial password, at least 12 characters. */
  password: z.string().min(MIN_PASSWORD_LENGTH).max(1024),
  /** The role, which decides every permission. */
  role: z.enum(STAFF_ROLES),
  /** Code of the department (AMLURB, SUB-SE …); required for department_staff and focal_point. */
  departmentCode: z.string().trim().min(1).max(40).optional(),
});
export type StaffInput = z.infer<typeof StaffInput>;

/** The body of PATCH /api/v1/staff/:id: only the fields given change. */
export const StaffPatch = z.object({
  /** New role. */
  role: z.enum(STAFF_ROLES).optional(),
  /** New department code; null removes the department (not allowed for department roles). */
  departmentCode: z.string().trim().min(1).max(40).nullable().optional(),
  /** false disables the account and ends its sessions. */
  active: z.boolean().optional(),
  /** A new password (reset by an administrator); ends the account's sessions. */
  password: z.string().min(MIN_PASSWORD_LENGTH).max(1024).optional(),
  /** New display name. */
  name: z.string().trim().min(1).max(200).optional(),
});
export type StaffPatch = z.infer<typeof StaffPatch>;

/** The path parameters of /api/v1/staff/:id. */
export const StaffParams = z.object({
  /** Id of the staff account. */
  id: z.coerce.number().int().positive(),
});
export type StaffParams = z.infer<typeof StaffParams>;

/** The JSON shape of a staff account (never its password hash). */
export const StaffView = z.object({
  /** Account id. */
  id: z.number(),
  /** Sign-in e-mail, lower case. */
  email: z.string(),
  /** Display name. */
  name: z.string(),
  /** Role. */
  role: z.enum(STAFF_ROLES),
  /** Department code, or null. */
  departmentCode: z.string().nullable(),
  /** false when disabled. */
  active: z.boolean(),
  /** When the account was created (ISO 8601). */
  createdAt: z.string(),
});
export type StaffView = z.infer<typeof StaffView>;

/** The signed-in staff member with what their role may do, so screens show only what will work. */
export const MeView = StaffView.extend({
  /** The actions of the permission table the role holds. */
  permissions: z.array(z.enum(ACTIONS)),
});
export type MeView = z.infer<typeof MeView>;

/** The answer to a successful login: the session token, shown only this once. */
export const SessionView = z.object({
  /** Bearer token for the Authorization header (also set as the responsiva_session cookie). */
  token: z.string(),
  /** When the session ends (ISO 8601). */
  expiresAt: z.string(),
  /** Who signed in. */
  staff: StaffView,
});

/** A role and what it may do, so the administration shows each role's reach before granting it. */
export const RoleView = z.object({
  /** The role. */
  role: z.enum(STAFF_ROLES),
  /** The actions of the permission table it holds (server/http/auth.ts). */
  actions: z.array(z.enum(ACTIONS)),
});
export type RoleView = z.infer<typeof RoleView>;
