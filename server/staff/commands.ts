/**
 * Changes to staff accounts and sessions: create and update accounts, sign in (with a login rate limit shared by
 * every process through the login_failures table, or through the city's own OpenID provider) and sign out.
 */
import { randomBytes } from "node:crypto";
import { isDepartmentRole, PLATFORM_OPERATOR } from "../../domain/staff-roles.ts";
import { finishSignIn, type ProviderSettings, SignInFailure } from "../access/oidc.ts";
import { hashToken, type StaffRole } from "../access/principal.ts";
import { type AuditActor, recordAudit } from "../audit/record.ts";
import { type Db, maybeOne, one, type Sql } from "../db/index.ts";
import { AppError, conflict, notFound, tooManyRequests, unprocessable } from "../errors.ts";
import type { Locale } from "../i18n.ts";
import { dummyHash, hashPassword, MIN_PASSWORD_LENGTH, needsRehash, verifyPassword } from "./passwords.ts";
import type { StaffRow } from "./present.ts";
import { findStaffById } from "./queries.ts";

/** How long a session lasts after sign-in. */
export const SESSION_HOURS = 12;

/** Failed sign-ins allowed per e-mail and per address inside the window before 429. */
export const LOGIN_LIMITS = { perEmail: 5, perIp: 20, windowSeconds: 15 * 60 } as const;

// Roles that act for one department and are scoped to it.

/** 401 for a wrong password and for an unknown or disabled account alike: the answer reveals nothing. */
export const invalidCredentials = () => new AppError(401, "invalid_credentials");

/** What createStaffUser needs. */
export interface NewStaffUser {
  email: string;
  name: string;
  password: string;
  role: StaffRole;
  departmentCode?: string | undefined;
}

/**
 * Creates a staff account (password hashed with argon2id) and returns its id. `actor` is the admin who created it
 * (audited in the same transaction); null only for the seed and command-line tools, outside any request.
 */
export async function createStaffUser(
  db: Db,
  input: NewStaffUser,
  actor: AuditActor | null = null,
): Promise<number> {
  refuseOperatorRole(input.role);
  checkPassword(input.password);
  const email = input.email.trim().toLowerCase();
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const departmentId = await resolveDepartment(tx, input.role, input.departmentCode);
    const row = await maybeOne<{ id: number }>(
      tx,
      `INSERT INTO staff_users (email, name, password_hash, role, department_id) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, email) DO NOTHING RETURNING id`,
      [email, input.name.trim(), passwordHash, input.role, departmentId],
    );
    if (!row) throw conflict("email_taken", { email });
    if (actor) {
      const after = await findStaffById(tx, row.id);
      await recordAudit(tx, actor, {
        action: "staff_user.created",
        entityType: "staff_user",
        entityId: row.id,
        after,
      });
    }
    return row.id;
  });
}

/** What an administrator may change on an account; absent fields stay as they are. */
export interface StaffChanges {
  name?: string | undefined;
  role?: StaffRole | undefined;
  departmentCode?: string | null | undefined;
  active?: boolean | undefined;
  password?: string | undefined;
}

/**
 * Changes an account in one transaction; a new password, a new role or department, or disabling it ends every
 * session of the account, so the change takes effect at the next request.
 */
export async function updateStaffUser(
  db: Db,
  id: number,
  changes: StaffChanges,
  actor: AuditActor,
): Promise<StaffRow> {
  refuseOperatorRole(changes.role);
  if (changes.password !== undefined) checkPassword(changes.password);
  const passwordHash = changes.password === undefined ? null : await hashPassword(changes.password);
  return db.transaction(async (tx) => {
    const current = await maybeOne<{ role: StaffRole; department_id: number | null; active: boolean }>(
      tx,
      "SELECT role, department_id, active FROM staff_users WHERE id = $1 FOR UPDATE",
      [id],
    );
    if (!current) throw notFound(`/api/v1/staff/${id}`);
    // The operator's account is above the city's administration: its password, role and state are the CLI's.
    refuseOperatorRole(current.role);
    const before = await findStaffById(tx, id);
    const role = changes.role ?? current.role;
    const departmentId =
      changes.departmentCode === undefined
        ? current.department_id
        : await resolveDepartment(tx, role, changes.departmentCode ?? undefined);
    if (isDepartmentRole(role) && departmentId === null)
      throw unprocessable("department_required", "departmentCode");
    const active = changes.active ?? current.active;
    await tx.query(
      `UPDATE staff_users SET name = coalesce($2, name), role = $3, department_id = $4, active = $5,
              password_hash = coalesce($6, password_hash)
        WHERE id = $1`,
      [id, changes.name?.trim() ?? null, role, departmentId, active, passwordHash],
    );
    const revoke =
      passwordHash !== null || !active || role !== current.role || departmentId !== current.department_id;
    if (revoke) await tx.query("DELETE FROM staff_sessions WHERE user_id = $1", [id]);
    const after = (await findStaffById(tx, id)) as StaffRow;
    // A password reset is recorded as such, never the hash.
    await recordAudit(tx, actor, {
      action: "staff_user.updated",
      entityType: "staff_user",
      entityId: id,
      before,
      after: { ...after, ...(passwordHash !== null ? { passwordReset: true } : {}) },
    });
    return after;
  });
}

/** A new session: the token is returned to the caller once and only its SHA-256 is stored. */
export interface LoginResult {
  token: string;
  expiresAt: string;
  staff: StaffRow;
}

/**
 * Signs a staff member in. Refused with 429 while the e-mail or the address has too many recent failures; a wrong
 * password, an unknown e-mail and a disabled account all answer the same 401 after the same argon2 work.
 */
export async function login(
  db: Db,
  input: { email: string; password: string; ip: string },
): Promise<LoginResult> {
  const email = input.email.trim().toLowerCase();
  const emailKey = `email:${email}`;
  const ipKey = `ip:${input.ip}`;
  const reserved = await reserveAttempt(db, emailKey, ipKey);

  const user = await maybeOne<{ id: number; password_hash: string; active: boolean }>(
    db,
    "SELECT id, password_hash, active FROM staff_users WHERE email = $1",
    [email],
  );
  const matches = await verifyPassword(user?.password_hash ?? (await dummyHash()), input.password);
  // A failure is already recorded: the reserved attempt stays.
  if (!user || !matches || !user.active) throw invalidCredentials();

  // Success forgives the account's failures; failures of the address stay (they may be other accounts'), but not
  // this attempt's own.
  await db.query("DELETE FROM login_failures WHERE key = $1 OR id = ANY($2::bigint[])", [emailKey, reserved]);
  if (needsRehash(user.password_hash)) {
    await db.query("UPDATE staff_users SET password_hash = $2 WHERE id = $1", [
      user.id,
      await hashPassword(input.password),
    ]);
  }
  return openSession(db, user.id);
}

/** A new session of an account (its expired ones cleared): the password and the provider sign-ins both end here. */
async function openSession(db: Db, userId: number): Promise<LoginResult> {
  await db.query("DELETE FROM staff_sessions WHERE user_id = $1 AND expires_at <= now()", [userId]);
  const token = randomBytes(32).toString("base64url");
  const session = await one<{ expires_at: Date | string }>(
    db,
    `INSERT INTO staff_sessions (token_hash, user_id, expires_at)
     VALUES ($1, $2, now() + $3::int * interval '1 hour') RETURNING expires_at`,
    [hashToken(token), userId, SESSION_HOURS],
  );
  const staff = (await findStaffById(db, userId)) as StaffRow;
  return { token, expiresAt: new Date(session.expires_at).toISOString(), staff };
}

/**
 * The city provider's callback, whole: the flow finished and its ID token checked (server/access/oidc.ts), then the
 * account its verified e-mail names signed in. Answers the session and where the person goes; throws SignInFailure.
 */
export async function signInWithCityProvider(
  db: Db,
  settings: ProviderSettings,
  query: string,
  cookieState: string | undefined,
): Promise<LoginResult & { locale: Locale; returnTo: string | null }> {
  const done = await finishSignIn(db, settings, query, cookieState);
  const session = await signInByProvider(db, done.claims, done.locale, done.returnTo);
  return { ...session, locale: done.locale, returnTo: done.returnTo };
}

/**
 * Signs a staff member in through the city's own OpenID provider (decision 0057): the provider's verified e-mail
 * names an existing active account, never one made here; anything else is `unknown_staff`.
 */
export async function signInByProvider(
  db: Db,
  claims: { [claim: string]: unknown },
  locale: Locale,
  returnTo: string | null = null,
): Promise<LoginResult> {
  const email = typeof claims.email === "string" ? claims.email.trim().toLowerCase() : "";
  if (!email || claims.email_verified !== true) throw new SignInFailure("unknown_staff", locale, returnTo);
  const user = await maybeOne<{ id: number }>(db, "SELECT id FROM staff_users WHERE email = $1 AND active", [
    email,
  ]);
  if (!user) throw new SignInFailure("unknown_staff", locale, returnTo);
  return openSession(db, user.id);
}

/** Ends the session of a token; ending an unknown or expired session is not an error. */
export async function logout(sql: Sql, token: string): Promise<void> {
  await sql.query("DELETE FROM staff_sessions WHERE token_hash = $1", [hashToken(token)]);
}

/**
 * Counts a sign-in attempt as a failure before its password is checked, or throws 429 when the account or the
 * address is at its limit. Checked and recorded under a lock of each key (the account's first, then the address's:
 * one order, no deadlock), so concurrent attempts cannot all pass the check before any is recorded. Answers the
 * ids of the rows recorded, which a successful sign-in deletes.
 */
async function reserveAttempt(db: Db, emailKey: string, ipKey: string): Promise<string[]> {
  return db.transaction(async (tx) => {
    for (const key of [emailKey, ipKey])
      await tx.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`login_failures:${key}`]);
    const wait = Math.max(
      await secondsUntilAllowed(tx, emailKey, LOGIN_LIMITS.perEmail),
      await secondsUntilAllowed(tx, ipKey, LOGIN_LIMITS.perIp),
    );
    if (wait > 0) throw tooManyRequests(wait);
    const rows = await tx.query<{ id: string }>(
      `WITH pruned AS (
         DELETE FROM login_failures WHERE key = ANY($1::text[]) AND at <= now() - $2::int * interval '1 second'
       )
       INSERT INTO login_failures (key) SELECT unnest($1::text[]) RETURNING id`,
      [[emailKey, ipKey], LOGIN_LIMITS.windowSeconds],
    );
    return rows.map((r) => String(r.id));
  });
}

/**
 * Seconds until `key` drops below `limit` failures inside the window: 0 when it is below already. The limit-th most
 * recent failure is the one that has to leave the window.
 */
async function secondsUntilAllowed(sql: Sql, key: string, limit: number): Promise<number> {
  const row = await maybeOne<{ wait: number }>(
    sql,
    `SELECT ceil(extract(epoch FROM at + $3::int * interval '1 second' - now()))::int AS wait
       FROM login_failures
      WHERE key = $1 AND at > now() - $3::int * interval '1 second'
      ORDER BY at DESC OFFSET $2::int - 1 LIMIT 1`,
    [key, limit, LOGIN_LIMITS.windowSeconds],
  );
  return row ? Math.max(1, row.wait) : 0;
}

/**
 * 422 for the platform operator's role: only the command line grants it (create-admin --role platform_operator),
 * in the home tenant; a city's administration neither grants it nor changes an account that holds it.
 */
function refuseOperatorRole(role: StaffRole | undefined): void {
  if (role === PLATFORM_OPERATOR) throw unprocessable("platform_operator_role", "role");
}

function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH)
    throw unprocessable("password_too_short", "password", { min: MIN_PASSWORD_LENGTH });
}

async function resolveDepartment(
  sql: Sql,
  role: StaffRole,
  code: string | undefined,
): Promise<number | null> {
  if (code === undefined) {
    if (isDepartmentRole(role)) throw unprocessable("department_required", "departmentCode");
    return null;
  }
  const row = await maybeOne<{ id: number }>(sql, "SELECT id FROM departments WHERE code = $1", [code]);
  if (!row) throw unprocessable("unknown_department", "departmentCode", { code });
  return row.id;
}
