/**
 * Staff authentication and authorisation. A bearer token (or the `responsiva_session` cookie) names a row of
 * staff_sessions; the staff member's role must hold the route's action in the permission table below.
 * Permissions are data: one table, walked by the role × route test.
 */
import type { FastifyRequest } from "fastify";
import { hashToken, type Staff, type StaffRole } from "../access/principal.ts";
import { maybeOne } from "../db/index.ts";
import { forbidden, unauthenticated } from "../errors.ts";
import { tenantCookieValue } from "../tenants/http.ts";

// The principal lives outside the HTTP layer (commands use it too); routes and tests keep importing it from here.
export {
  hashToken,
  isDepartmentScoped,
  STAFF_ROLES,
  type Staff,
  type StaffRole,
} from "../access/principal.ts";

/** What a staff member may do; each protected route names one. */
export const ACTIONS = [
  "session.read", // one's own session and profile (GET /api/v1/auth/me)
  "demands.read", // the full staff view of a demand (scoped to the department for department roles)
  "demands.read_identity", // who asked, on a confidential demand
  "catalogue.manage",
  "departments.read",
  "departments.manage",
  "matrix.read",
  "matrix.manage",
  "staff.read",
  "staff.manage",
  "citizens.read",
  "citizens.export",
  "citizens.erase",
  "calendar.manage", // the city's configured holidays, opening hours and time zone (managers, admins)
  "classification.read", // the classification rules (every staff member)
  "classification.manage", // create, change and delete classification rules (thematic managers, admins)
  "events.read", // the live event stream (GET /api/v1/events), scoped to the department for department roles
  "dead_letters.read", // outbox rows that failed for good, with their last error (supervisors, managers, admins)
  "dead_letters.retry", // send a dead outbox row back to the queue
  "triage.work", // take demands from the triage queue, reclassify, dispatch, merge duplicates
  "demands.cancel", // cancel a demand with a reason
  "demands.reopen", // reopen a closed demand at any time (citizens reopen their own within a window)
  "demands.complement", // record a complement the citizen gave on the phone or at a counter
  "work_orders.read", // work orders (scoped to the department for department roles)
  "work_orders.act", // accept, return, reroute, ask for a complement, answer (department roles: their own)
  "answer_templates.manage", // the answer templates departments write from
  "message_templates.manage", // the texts of messages to citizens, per channel and language (managers, admins)
  "alarms.read", // deadline and delivery alarms (department roles: their department's)
  "alarms.acknowledge",
  "alarm_rules.manage", // at which share of a clock which alarm goes to whom
  "deadlines.extend", // the one extension of an ombudsman legal deadline, with a reason
  "satisfaction.read", // satisfaction indicators and comments
  "answers.record_delivery", // record an answer delivered by phone, counter or letter after the messages failed
  "webhooks.read", // webhook subscriptions and their delivery log (admins)
  "webhooks.manage", // create, change, delete webhook subscriptions, rotate secrets, redeliver
  "exports.read", // the staff export of demands with descriptions and exact places (focal points: their department)
  "department_systems.manage", // departments' own Open311 systems: endpoint, api_key, service-code mapping (admins)
  "api_clients.manage", // issue, limit and revoke the keys of client applications of the public APIs (admins)
  "calls.read", // phone calls and their screen pop: the caller, their demands and earlier calls (call centre)
  "calls.intake", // take a ringing call, register a demand during it, print the counter receipt
  "ivr.manage", // the 156 line's IVR menu: options, agents' hours, the city's own prompts (managers, admins)
  "audit_log.read", // search the audit log of staff changes (supervisors, the ombudsman team, admins)
  "citizens.withdraw_consent", // record a citizen's withdrawal of consent given by phone, at a counter or by letter
  "conversations.work", // the inbox of written channels: conversations handed over, take, answer, release
  "indicators.read", // the staff indicators and the command centre (supervisors, managers, the ombudsman, admins)
  "branding.manage", // the city's name, colour and logo on every screen (admins)
  "sign_in.manage", // the city's OpenID providers: gov.br for citizens, its own for staff, with their secrets (admins)
  "messaging.manage", // the city's own messaging accounts: WhatsApp, Telegram, Twilio, Kannel, SMTP (admins)
  "questionnaires.read", // the questionnaires and their versions (every staff member who asks or reads answers)
  "questionnaires.manage", // write, import (XLSForm), publish and retire questionnaires (quality managers, admins)
  "inspections.read", // the inspection routes planned and the planner's suggestions (supervisors, managers, ombudsman)
  "inspections.manage", // plan, change and cancel inspectors' routes (supervisors, managers, admins)
  "field.work", // the inspector's tablet: download one's own day, upload photos, sync answers and field demands
  "responses.read", // the one table of answers, with who answered, where and how (supervisors, managers, ombudsman)
  "responses.review", // write down what an auditor said on a call (a spoken answer), or discard it (supervisors…)
  "block_scores.read", // the blocks' quality scores with their evidence (the command centre's layer)
  "block_scores.manage", // the weights and decay of the score method, and a full refresh (managers, admins)
  "auditors.read", // citizen auditors: place, windows, channel, consent (call centre, supervisors, managers)
  "auditors.manage", // enrol a caller on the phone, change, pause, do-not-call, revoke (call centre, managers)
  "recordings.listen", // the recordings of calls, where the city records them (supervisors, managers, admins)
  "platform.tenants.read", // the install's tenants, their hosts and counts, and the templates (the platform operator)
  "platform.tenants.manage", // create a tenant from a template, suspend, resume, give or take a host (the operator)
] as const;
export type Action = (typeof ACTIONS)[number];

const EVERY_STAFF: Action[] = [
  "session.read",
  "work_orders.read",
  "demands.read",
  "departments.read",
  "matrix.read",
  "events.read",
  "classification.read",
];

/** The permission table: role → actions. */
export const PERMISSIONS: Record<StaffRole, readonly Action[]> = {
  agent: [
    ...EVERY_STAFF,
    "citizens.read",
    "triage.work",
    "demands.cancel",
    "demands.complement",
    "answers.record_delivery",
    "calls.read",
    "calls.intake",
    "citizens.withdraw_consent",
    "conversations.work",
    "auditors.read",
    "auditors.manage",
  ],
  department_staff: [...EVERY_STAFF, "work_orders.act"],
  focal_point: [
    ...EVERY_STAFF,
    "work_orders.act",
    "alarms.read",
    "alarms.acknowledge",
    "answer_templates.manage",
    "exports.read",
  ],
  supervisor: [
    ...EVERY_STAFF,
    "citizens.read",
    "staff.read",
    "dead_letters.read",
    "dead_letters.retry",
    "triage.work",
    "demands.cancel",
    "demands.reopen",
    "demands.complement",
    "work_orders.act",
    "alarms.read",
    "alarms.acknowledge",
    "deadlines.extend",
    "satisfaction.read",
    "indicators.read",
    "exports.read",
    "answers.record_delivery",
    "calls.read",
    "calls.intake",
    "audit_log.read",
    "citizens.withdraw_consent",
    "conversations.work",
    "questionnaires.read",
    "inspections.read",
    "inspections.manage",
    "responses.read",
    "responses.review",
    "block_scores.read",
    "auditors.read",
    "auditors.manage",
    "recordings.listen",
  ],
  manager: [
    ...EVERY_STAFF,
    "citizens.read",
    "staff.read",
    "catalogue.manage",
    "matrix.manage",
    "classification.manage",
    "calendar.manage",
    "ivr.manage",
    "dead_letters.read",
    "dead_letters.retry",
    "answer_templates.manage",
    "message_templates.manage",
    "alarms.read",
    "alarms.acknowledge",
    "alarm_rules.manage",
    "satisfaction.read",
    "indicators.read",
    "exports.read",
    "questionnaires.read",
    "questionnaires.manage",
    "inspections.read",
    "inspections.manage",
    "responses.read",
    "responses.review",
    "block_scores.read",
    "block_scores.manage",
    "auditors.read",
    "auditors.manage",
    "recordings.listen",
  ],
  admin: [
    ...EVERY_STAFF,
    "citizens.read",
    "staff.read",
    "staff.manage",
    "branding.manage",
    "sign_in.manage",
    "messaging.manage",
    "catalogue.manage",
    "matrix.manage",
    "departments.manage",
    "classification.manage",
    "calendar.manage",
    "ivr.manage",
    "dead_letters.read",
    "dead_letters.retry",
    "triage.work",
    "demands.cancel",
    "demands.reopen",
    "demands.complement",
    "work_orders.act",
    "answer_templates.manage",
    "message_templates.manage",
    "alarms.read",
    "alarms.acknowledge",
    "alarm_rules.manage",
    "deadlines.extend",
    "satisfaction.read",
    "indicators.read",
    "exports.read",
    "answers.record_delivery",
    "api_clients.manage",
    "department_systems.manage",
    "webhooks.read",
    "webhooks.manage",
    "calls.read",
    "calls.intake",
    "audit_log.read",
    "citizens.withdraw_consent",
    "conversations.work",
    "questionnaires.read",
    "questionnaires.manage",
    "inspections.read",
    "inspections.manage",
    "responses.read",
    "responses.review",
    "block_scores.read",
    "block_scores.manage",
    "auditors.read",
    "auditors.manage",
    "recordings.listen",
  ],
  // The ombudsman team (ouvidoria) alone sees who filed a confidential demand, and answers LGPD requests.
  ombudsman: [
    ...EVERY_STAFF,
    "demands.read_identity",
    "citizens.read",
    "citizens.export",
    "citizens.erase",
    "alarms.read",
    "deadlines.extend",
    "satisfaction.read",
    "indicators.read",
    "exports.read",
    "demands.reopen",
    "calls.read",
    "audit_log.read",
    "citizens.withdraw_consent",
    "questionnaires.read",
    "inspections.read",
    "responses.read",
    "block_scores.read",
  ],
  // The inspector (fiscal de campo) works on the tablet: the day's route, its questionnaires, and nothing of citizens.
  inspector: ["session.read", "departments.read", "classification.read", "questionnaires.read", "field.work"],
  // The install's operator (home tenant only, granted by the command line): the tenants, and nothing of a city's.
  platform_operator: ["session.read", "platform.tenants.read", "platform.tenants.manage"],
};

/** True when `role` may perform `action`. */
export function can(role: StaffRole, action: Action): boolean {
  return PERMISSIONS[role].includes(action);
}

/** The session token a request carries: the bearer token, else the `responsiva_session` cookie (of the
 * request's tenant: server/tenants/http.ts). */
export function tokenOf(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith("Bearer ")) return header.slice(7).trim();
  // Parsed by @fastify/cookie (edge.ts): a malformed value comes as it was sent, finds no session, and answers 401.
  return tenantCookieValue(req, "responsiva_session");
}

/** The staff member behind a request on a protected route (the route's check already ran); 401 without one. */
export async function requireStaff(req: FastifyRequest): Promise<Staff> {
  const staff = await loadStaff(req);
  if (!staff) throw unauthenticated();
  return staff;
}

/** Finds the staff member whose live session the request carries; undefined when there is none. */
export async function loadStaff(req: FastifyRequest): Promise<Staff | undefined> {
  if (req.staff !== undefined) return req.staff ?? undefined;
  const token = tokenOf(req);
  let staff: Staff | undefined;
  if (token) {
    const row = await maybeOne<{
      id: number;
      name: string;
      email: string;
      role: StaffRole;
      department_id: number | null;
    }>(
      req.server.ctx.db,
      `SELECT u.id, u.name, u.email, u.role, u.department_id
         FROM staff_sessions s JOIN staff_users u ON u.id = s.user_id
        WHERE s.token_hash = $1 AND s.expires_at > now() AND u.active`,
      [hashToken(token)],
    );
    if (row)
      staff = {
        id: row.id,
        name: row.name,
        email: row.email,
        role: row.role,
        departmentId: row.department_id,
        ip: req.ip ?? null,
        userAgent:
          typeof req.headers["user-agent"] === "string" ? req.headers["user-agent"].slice(0, 500) : null,
      };
  }
  req.staff = staff ?? null;
  return staff;
}

/** A preHandler that lets the request through only for a signed-in staff member whose role holds `action`. */
export function authorize(action: Action) {
  return async (req: FastifyRequest) => {
    const staff = await loadStaff(req);
    if (!staff) throw unauthenticated();
    if (!can(staff.role, action)) throw forbidden();
  };
}

/** The signed-in staff member of a request that passed `authorize`. */
export function staffOf(req: FastifyRequest): Staff {
  if (!req.staff) throw unauthenticated();
  return req.staff;
}
