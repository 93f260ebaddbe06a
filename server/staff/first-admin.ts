/**
 * The first administrator of a city's own database (`npm run create-admin`): created, or reset when the e-mail
 * exists, with a password that is never a known one. The demo accounts' password is public, so a real city starts
 * here instead (docs/operations.md, docs/decisions/0023-first-admin-and-job-leases.md).
 */
import { randomBytes } from "node:crypto";
import { type Db, maybeOne, one } from "../db/index.ts";
import { hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from "./passwords.ts";

/** The password the demo staff accounts are seeded with unless DEMO_ADMIN_PASSWORD says otherwise: public. */
export const DEMO_PASSWORD = "responsiva-admin";

/**
 * Why a password may not guard an administrator, or undefined when it may: shorter than 12 characters, a demo
 * password (`known`: the configured DEMO_ADMIN_PASSWORD too), the e-mail itself, or fewer than 6 distinct characters.
 */
export function passwordWeakness(
  password: string,
  email: string,
  known: readonly string[] = [],
): string | undefined {
  const folded = password.trim().toLowerCase();
  if ([...password].length < MIN_PASSWORD_LENGTH) return `shorter than ${MIN_PASSWORD_LENGTH} characters`;
  if ([DEMO_PASSWORD, ...known].some((k) => k.toLowerCase() === folded)) return "the demo accounts' password";
  if (folded === email.trim().toLowerCase()) return "the account's e-mail";
  if (new Set(folded).size < 6) return "fewer than 6 different characters";
  return undefined;
}

/** A new random password of 24 characters (144 bits), for an operator to store in a password manager. */
export function generatePassword(): string {
  return randomBytes(18).toString("base64url");
}

/** What setAdministrator needs; `name` is kept as it is when an existing account is reset without one. */
export interface AdministratorInput {
  email: string;
  name?: string | undefined;
  password: string;
  /** Other passwords known to be public (the configured demo password). */
  known?: readonly string[];
  /**
   * admin (the default), or the install's platform operator (home tenant only: the database refuses it elsewhere).
   */
  role?: "admin" | "platform_operator";
}

/**
 * Creates an active administrator (or platform operator: `input.role`), or turns the account with that e-mail into
 * one with the new password (ending its sessions and forgiving its failed sign-ins), in one transaction. Throws on a
 * weak password.
 */
export async function setAdministrator(
  db: Db,
  input: AdministratorInput,
): Promise<{ id: number; created: boolean }> {
  const email = input.email.trim().toLowerCase();
  const weakness = passwordWeakness(input.password, email, input.known);
  if (weakness) throw new Error(`weak password: ${weakness}`);
  const passwordHash = await hashPassword(input.password);
  const role = input.role ?? "admin";
  return db.transaction(async (tx) => {
    const existing = await maybeOne<{ id: number }>(
      tx,
      "SELECT id FROM staff_users WHERE email = $1 FOR UPDATE",
      [email],
    );
    if (!existing) {
      const row = await one<{ id: number }>(
        tx,
        `INSERT INTO staff_users (email, name, password_hash, role) VALUES ($1, $2, $3, $4) RETURNING id`,
        [
          email,
          input.name?.trim() || (role === "admin" ? "Administração" : "Operação da plataforma"),
          passwordHash,
          role,
        ],
      );
      return { id: row.id, created: true };
    }
    // An administrator acts for the whole city (an operator for the install): no department scope.
    await tx.query(
      `UPDATE staff_users SET password_hash = $2, role = $4, department_id = NULL, active = true,
              name = coalesce($3, name)
        WHERE id = $1`,
      [existing.id, passwordHash, input.name?.trim() || null, role],
    );
    await tx.query("DELETE FROM staff_sessions WHERE user_id = $1", [existing.id]);
    await tx.query("DELETE FROM login_failures WHERE key = $1", [`email:${email}`]);
    return { id: existing.id, created: false };
  });
}

/**
 * The active demo accounts (`…@responsiva.local`) whose password is still a public one, so a server seeded by an
 * earlier release (or with SEED_DEMO_ACCOUNTS=true) can say so at every start.
 */
export async function findDemoAccountsWithKnownPassword(db: Db, known: readonly string[]): Promise<string[]> {
  const accounts = await db.query<{ email: string; password_hash: string }>(
    "SELECT email, password_hash FROM staff_users WHERE active AND email LIKE '%@responsiva.local' ORDER BY email",
  );
  const passwords = [...new Set([DEMO_PASSWORD, ...known])];
  const exposed: string[] = [];
  for (const account of accounts) {
    for (const password of passwords) {
      if (await verifyPassword(account.password_hash, password)) {
        exposed.push(account.email);
        break;
      }
    }
  }
  return exposed;
}
